import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { grpcError, listenError, pushbackMs } from './errors.js';

const context = { method: 'edgeplane.v1.IngestService/Ingest', server: '127.0.0.1:50051' };
const nodeError = (code: string) => Object.assign(new Error(`boom ${code}`), { code });

describe('error mapping', () => {
  it.each([
    [Code.Unavailable, 'unavailable', true],
    [Code.ResourceExhausted, 'unavailable', true],
    [Code.Aborted, 'unavailable', true],
    [Code.DeadlineExceeded, 'timeout', true],
    [Code.Unauthenticated, 'unauthenticated', false],
    [Code.PermissionDenied, 'permission-denied', false],
    [Code.InvalidArgument, 'invalid-input', false],
    [Code.FailedPrecondition, 'invalid-input', false],
    [Code.Unimplemented, 'not-found', false],
    [Code.AlreadyExists, 'conflict', false],
    [Code.Internal, 'internal', false],
    [Code.Unknown, 'internal', false],
    [Code.DataLoss, 'internal', false],
  ])('gRPC status %s → %s (retryable %s)', (code, expected, retryable) => {
    const e = grpcError(new ConnectError('server says', code), context);
    expect(e.code).toBe(expected);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toMatch(
      /^\[transport:grpc\] cannot call edgeplane\.v1\.IngestService\/Ingest on 127\.0\.0\.1:50051: /,
    );
    expect(e.message).toContain('server says');
  });

  it('UNAUTHENTICATED names authToken in the hint', () => {
    expect(grpcError(new ConnectError('no', Code.Unauthenticated), context).hint).toMatch(
      /`authToken`/,
    );
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'ERR_HTTP2_GOAWAY_SESSION'])(
    'socket error %s under a ConnectError → unavailable',
    (errno) => {
      const ce = new ConnectError('wrapped', Code.Internal, undefined, undefined, nodeError(errno));
      const e = grpcError(ce, context);
      expect(e.code).toBe('unavailable');
      expect(e.message).toContain(`(${errno})`);
    },
  );

  it('a certificate problem is a permanent tls error naming the option', () => {
    const cause = nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const e = grpcError(
      new ConnectError('x', Code.Unavailable, undefined, undefined, cause),
      context,
    );
    expect(e.code).toBe('tls');
    expect(e.message).toContain('"tlsCaFile"');
  });

  it('reads grpc-retry-pushback-ms', () => {
    expect(
      pushbackMs(
        new ConnectError('x', Code.ResourceExhausted, { 'grpc-retry-pushback-ms': '250' }),
      ),
    ).toBe(250);
    expect(
      pushbackMs(new ConnectError('x', Code.ResourceExhausted, { 'grpc-retry-pushback-ms': '-1' })),
    ).toBeUndefined();
    expect(pushbackMs(new Error('x'))).toBeUndefined();
  });

  it('listen errors: EADDRINUSE unavailable, EACCES invalid-config naming listen', () => {
    expect(listenError('127.0.0.1:80', nodeError('EADDRINUSE'))).toMatchObject({
      code: 'unavailable',
    });
    const e = listenError('127.0.0.1:80', nodeError('EACCES'));
    expect(e.code).toBe('invalid-config');
    expect(e.message).toContain('option "listen"');
  });
});
