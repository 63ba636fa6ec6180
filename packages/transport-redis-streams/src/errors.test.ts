import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectionClosed, isPermanentRefusal, redisError, replyCode } from './errors.js';

const at = { action: 'XADD to stream "s"', server: '127.0.0.1:6379' };
const reply = (message: string): Error => new ReplyError(message) as Error;
const errno = (code: string): Error => Object.assign(new Error(`connect ${code} x`), { code });

describe('redisError', () => {
  it('maps reply errors by their error code word', () => {
    const cases: [string, string][] = [
      ['WRONGPASS invalid username-password pair or user is disabled.', 'unauthenticated'],
      ['NOAUTH Authentication required.', 'unauthenticated'],
      ["NOPERM User u has no permissions to run the 'xadd' command", 'permission-denied'],
      ['NOGROUP No such key or consumer group', 'not-found'],
      ['WRONGTYPE Operation against a key holding the wrong kind of value', 'invalid-config'],
      ['LOADING Redis is loading the dataset in memory', 'unavailable'],
      ['BUSY Redis is busy running a script.', 'unavailable'],
      ['OOM command not allowed when used memory > maxmemory.', 'unavailable'],
      ["READONLY You can't write against a read only replica.", 'permission-denied'],
      ['MOVED 3999 127.0.0.1:6381', 'invalid-config'],
      ['ERR Invalid stream ID specified as stream command argument', 'invalid-input'],
      ['SOMETHINGNEW never seen', 'internal'],
    ];
    for (const [message, code] of cases) {
      const e = redisError(reply(message), at);
      expect(e.code, message).toBe(code);
      expect(e.component).toBe('transport:redis-streams');
      expect(e.details?.reply).toBe(replyCode(reply(message)));
    }
  });

  it('says what failed where, with the reply', () => {
    const e = redisError(reply('NOGROUP No such key or consumer group'), at);
    expect(e.message).toBe(
      '[transport:redis-streams] cannot XADD to stream "s" on 127.0.0.1:6379: no such stream or consumer group (NOGROUP: No such key or consumer group)',
    );
    expect(e.hint).toContain('createGroup=true');
    expect(e.retryable).toBe(false);
  });

  it('socket errors: by errno, retryable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']) {
      const e = redisError(errno(code), { ...at, action: 'connect', joiner: 'to' });
      expect(e.code).toBe('unavailable');
      expect(e.retryable).toBe(true);
      expect(e.message).toMatch(
        /^\[transport:redis-streams\] cannot connect to 127\.0\.0\.1:6379: .* \(E[A-Z]+\)$/,
      );
    }
  });

  it('unknown host', () => {
    const e = redisError(errno('ENOTFOUND'), {
      action: 'connect',
      server: 'nohost:6379',
      joiner: 'to',
    });
    expect(e.message).toBe(
      '[transport:redis-streams] cannot connect to nohost:6379: host not found (ENOTFOUND)',
    );
    expect(e.code).toBe('unavailable');
  });

  it('ioredis: commands flushed when the connection drops are unavailable', () => {
    const flushed = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    const e = redisError(flushed, at);
    expect(e.code).toBe('unavailable');
    expect(e.message).toContain('the connection is down (reconnecting)');
  });

  it('anything else is internal, with its message', () => {
    const e = redisError(new Error('weird'), at);
    expect(e.code).toBe('internal');
    expect(e.message).toBe(
      '[transport:redis-streams] cannot XADD to stream "s" on 127.0.0.1:6379: weird',
    );
  });

  it('a server that closes the connection', () => {
    expect(connectionClosed('h:1').message).toBe(
      '[transport:redis-streams] lost the connection to h:1: closed by the server (reconnecting)',
    );
  });

  it('replyCode only reads reply errors', () => {
    expect(replyCode(new Error('NOGROUP x'))).toBeUndefined();
    expect(replyCode(reply('BUSYGROUP Consumer Group name already exists'))).toBe('BUSYGROUP');
  });
});

describe('TLS errors', () => {
  const tlsErr = (code: string, message = code): Error =>
    Object.assign(new Error(message), { code });

  it('a certificate problem is a permanent `tls` error naming the option, before any other rule', () => {
    const cases: [Error, string][] = [
      [tlsErr('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tlsCaFile'],
      [tlsErr('SELF_SIGNED_CERT_IN_CHAIN'), 'tlsCaFile'],
      [tlsErr('CERT_HAS_EXPIRED'), 'tlsCaFile'],
      [tlsErr('ERR_TLS_CERT_ALTNAME_INVALID'), 'tlsServerName'],
      [tlsErr('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'tlsCertFile'],
      [tlsErr('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ];
    for (const [error, option] of cases) {
      const e = redisError(error, { ...at, action: 'connect', joiner: 'to' });
      expect(e.code, String((error as unknown as { code: string }).code)).toBe('tls');
      expect(e.retryable).toBe(false);
      expect(e.details?.option).toBe(option);
      expect(e.message).toContain(`option "${option}"`);
      expect(e.message).toContain('127.0.0.1:6379');
      expect(isPermanentRefusal(e)).toBe(true);
    }
  });

  it('a plain socket error stays retryable and is not a permanent refusal', () => {
    const e = redisError(errno('ECONNRESET'), at);
    expect(e.code).toBe('unavailable');
    expect(isPermanentRefusal(e)).toBe(false);
    expect(isPermanentRefusal(redisError(reply('WRONGPASS x'), at))).toBe(true);
  });
});
