import { isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { keyTemplateOf, tlsEnabled } from './options.js';
import { s3Transport as descriptor, s3CapabilitiesFor } from './transport.js';

const refusal = (input: unknown): { code: string; option: unknown; message: string } => {
  try {
    descriptor.parseOptions(input);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    return { code: error.code, option: error.details?.option, message: error.message };
  }
  throw new Error('accepted');
};

describe('options', () => {
  it('fills the defaults', () => {
    expect(descriptor.parseOptions({ bucket: 'logs' })).toEqual({
      bucket: 'logs',
      prefix: '',
      forcePathStyle: false,
      checksums: 'when-required',
      framing: 'line',
      follow: false,
      pollIntervalMs: 1000,
      afterAck: 'none',
      batchMaxMessages: 1024,
      maxObjectBytes: 64 * 1024 * 1024,
      compression: 'none',
      contentType: 'application/x-ndjson',
      multipartThresholdBytes: 16 * 1024 * 1024,
      partSizeBytes: 8 * 1024 * 1024,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      reconnectMaxDelayMs: 5000,
    });
  });

  it('accepts the strings of an adapter config', () => {
    expect(
      descriptor.parseOptions({
        bucket: 'logs',
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: 'true',
        follow: 'true',
        pollIntervalMs: '250',
        afterAck: 'move',
        moveToPrefix: 'done/',
        prefix: 'in/',
      }),
    ).toMatchObject({ forcePathStyle: true, follow: true, pollIntervalMs: 250, afterAck: 'move' });
  });

  it('refuses bad options with invalid-config naming the option', () => {
    const cases: [unknown, string][] = [
      [{}, 'bucket'],
      [{ bucket: 'Not_A_Bucket' }, 'bucket'],
      [{ bucket: 'bkt', endpoint: 'ftp://x' }, 'endpoint'],
      [{ bucket: 'bkt', endpoint: 'http://key:secret@127.0.0.1:9000' }, 'endpoint'],
      [{ bucket: 'bkt', accessKeyId: 'AKIA' }, 'secretAccessKey'],
      [{ bucket: 'bkt', secretAccessKey: 's' }, 'accessKeyId'],
      [{ bucket: 'bkt', sessionToken: 't' }, 'sessionToken'],
      [{ bucket: 'bkt', afterAck: 'move' }, 'moveToPrefix'],
      [{ bucket: 'bkt', moveToPrefix: 'x/' }, 'moveToPrefix'],
      [
        { bucket: 'bkt', prefix: 'in/', afterAck: 'move', moveToPrefix: 'in/done/' },
        'moveToPrefix',
      ],
      [{ bucket: 'bkt', keyTemplate: '{prefix}fixed' }, 'keyTemplate'],
      [{ bucket: 'bkt', keyTemplate: '{prefix}{seq}{nope}' }, 'keyTemplate'],
      [{ bucket: 'bkt', framing: 'object', keyTemplate: '{prefix}{seq}' }, 'keyTemplate'],
      [{ bucket: 'bkt', framing: 'lines' }, 'framing'],
      [{ bucket: 'bkt', partSizeBytes: 1024 }, 'partSizeBytes'],
      [{ bucket: 'bkt', pollIntervalMs: '0' }, 'pollIntervalMs'],
      [{ bucket: 'bkt', endpoint: 'http://127.0.0.1:9000', tls: true }, 'tls'],
      [{ bucket: 'bkt', tls: false }, 'tls'],
      [{ bucket: 'bkt', endpoint: 'http://127.0.0.1:9000', tlsCaFile: '/ca.pem' }, 'tlsCaFile'],
      [{ bucket: 'bkt', nope: 1 }, 'nope'],
    ];
    for (const [input, option] of cases) {
      const r = refusal(input);
      expect(r.code, JSON.stringify(input)).toBe('invalid-config');
      expect(r.message, JSON.stringify(input)).toContain(`option "${option}"`);
    }
  });

  it('never repeats a secret in an error', () => {
    const r = refusal({ bucket: 'bkt', endpoint: 'http://AKIA:hunter2secret@127.0.0.1:9000' });
    expect(r.message).not.toContain('hunter2secret');
    expect(
      descriptor
        .describeOptions()
        .filter((o) => o.secret)
        .map((o) => o.name),
    ).toEqual(expect.arrayContaining(['secretAccessKey', 'sessionToken', 'tlsKeyPassphrase']));
  });

  it('turns TLS on with https:// or no endpoint (AWS)', () => {
    expect(tlsEnabled({})).toBe(true);
    expect(tlsEnabled({ endpoint: 'https://minio:9000' })).toBe(true);
    expect(tlsEnabled({ endpoint: 'http://minio:9000' })).toBe(false);
  });

  it('picks the key template and capabilities from framing and compression', () => {
    const line = descriptor.parseOptions({ bucket: 'bkt' });
    expect(keyTemplateOf(line)).toBe('{prefix}{seq}.ndjson');
    expect(keyTemplateOf(descriptor.parseOptions({ bucket: 'bkt', compression: 'gzip' }))).toBe(
      '{prefix}{seq}.ndjson.gz',
    );
    const object = descriptor.parseOptions({ bucket: 'bkt', framing: 'object' });
    expect(keyTemplateOf(object)).toBe('{prefix}{seq}-{index}');
    expect(s3CapabilitiesFor(line).framing).toBe('line');
    expect(s3CapabilitiesFor(object).framing).toBe('message');
  });
});
