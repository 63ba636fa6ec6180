import { describe, expect, it } from 'vitest';
import { closedByPeer, upgradeRefused, wsError } from './errors.js';

const at = { action: 'connect to', server: '127.0.0.1:9' };

describe('error mapping', () => {
  it('socket errors by errno', () => {
    const refused = wsError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), at);
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toBe(
      '[transport:websocket] cannot connect to 127.0.0.1:9: connection refused (ECONNREFUSED)',
    );
    expect(wsError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), at).retryable).toBe(true);
  });

  it('listen errors', () => {
    const inUse = wsError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), {
      action: 'listen on',
      server: '127.0.0.1:80',
    });
    expect(inUse.code).toBe('unavailable');
    expect(inUse.hint).toContain('`listen`');
  });

  it('ws receiver errors', () => {
    const big = wsError(
      Object.assign(new RangeError('Max payload size exceeded'), {
        code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
      }),
      at,
    );
    expect(big.code).toBe('too-large');
    expect(big.hint).toContain('maxPayload');
  });

  it('TLS problems first, as permanent tls errors', () => {
    const e = wsError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }), at);
    expect(e.code).toBe('tls');
    expect(e.retryable).toBe(false);
  });

  it('upgrade refused', () => {
    expect(upgradeRefused(401, at)).toMatchObject({ code: 'unauthenticated' });
    expect(upgradeRefused(401, at).hint).toContain('authToken');
    expect(upgradeRefused(403, at).code).toBe('permission-denied');
    expect(upgradeRefused(404, at).code).toBe('not-found');
    expect(upgradeRefused(400, at).code).toBe('protocol');
    expect(upgradeRefused(503, at).code).toBe('unavailable');
    expect(upgradeRefused(429, at).retryable).toBe(true);
  });

  it('close codes', () => {
    expect(closedByPeer(1006, at).code).toBe('unavailable');
    expect(closedByPeer(1001, at).retryable).toBe(true);
    expect(closedByPeer(1009, at).code).toBe('too-large');
    expect(closedByPeer(1002, at).code).toBe('protocol');
    expect(closedByPeer(1008, at).code).toBe('permission-denied');
  });
});
