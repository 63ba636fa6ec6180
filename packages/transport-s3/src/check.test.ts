import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { failedStep } from './check.js';
import { permissionsResult, scratchKey } from './check-probes.js';
import { s3Error } from './errors.js';

const native = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const mapped = (name: string, status: number) =>
  s3Error(native(name, status), { action: 'list bucket "b"', server: 'h:1' });

describe('s3 check() helpers', () => {
  it('a failed listing fails the step that refused it', () => {
    expect(failedStep(mapped('SignatureDoesNotMatch', 403))).toBe('credentials');
    expect(failedStep(mapped('InvalidAccessKeyId', 403))).toBe('credentials');
    expect(failedStep(mapped('RequestTimeTooSkewed', 403))).toBe('credentials');
    expect(failedStep(mapped('NoSuchBucket', 404))).toBe('bucket');
    expect(failedStep(mapped('PermanentRedirect', 301))).toBe('bucket');
    expect(failedStep(mapped('AccessDenied', 403))).toBe('permissions');
    expect(failedStep(mapped('ServiceUnavailable', 503))).toBe('reachable');
    expect(failedStep(new EdgeplaneError('tls', 'transport:s3', 'x'))).toBe('reachable');
  });

  it('a scratch key sits under the prefix and sorts before the sink keys', () => {
    const key = scratchKey('logs/');
    expect(key).toMatch(/^logs\/\.edgeplane-doctor-[0-9a-f]{16}$/);
    expect(key < 'logs/00000000000000000000.ndjson').toBe(true);
  });

  it('a put whose scratch object could not be deleted is a warn naming it', () => {
    const error = s3Error(native('AccessDenied', 403), {
      action: 'DeleteObject "logs/.edgeplane-doctor-1"',
      server: 'h:1',
    });
    const check = permissionsResult([{ error, warn: true }], performance.now());
    expect(check.status).toBe('warn');
    expect(check.detail).toMatch(
      /could not be deleted: .*DeleteObject "logs\/\.edgeplane-doctor-1"/,
    );
    expect(check.fix).toMatch(/^delete it by hand/);
  });
});
