/**
 * `@edgeplane/adapter-conformance`: the one test suite every edgeplane transport runs against a
 * real server. It checks each capability a transport declares; skips come only from those
 * declarations, and a missing server fails the suite.
 *
 * @module
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { cancellation } from './cases/cancellation.js';
import { capabilities } from './cases/capabilities.js';
import { doctorCheck } from './cases/doctor-check.js';
import { errors, poison } from './cases/errors.js';
import { flowControl } from './cases/flow-control.js';
import { lifecycle } from './cases/lifecycle.js';
import { ordering } from './cases/ordering.js';
import { reconnect } from './cases/reconnect.js';
import { redelivery } from './cases/redelivery.js';
import { replay } from './cases/replay.js';
import { roundTrip } from './cases/round-trip.js';
import { createSuiteContext } from './context.js';
import type { ConformanceContext, ConformanceOptions } from './types.js';

export {
  binaryBody,
  bodyText,
  diffBytes,
  emptyBody,
  KEYS,
  LARGE_BODY_BYTES,
  largeBody,
  numbered,
  text,
  UNICODE_HEADERS,
} from './fixtures.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export type {
  ConformanceContext,
  ConformanceOptions,
  ConformanceRole,
  CreateContext,
  Drained,
  DrainOptions,
  ServerHandle,
} from './types.js';

const CASES = [
  capabilities,
  lifecycle,
  roundTrip,
  ordering,
  redelivery,
  replay,
  cancellation,
  errors,
  poison,
  flowControl,
  reconnect,
  doctorCheck,
] as const;

/**
 * Registers the conformance suite for one transport as a vitest `describe()` block.
 * Call it at the top level of a test file.
 * @example
 * describeTransportConformance({
 *   transport: 'file',
 *   server: async () => ({ dir: await mkdtemp(join(tmpdir(), 'ep-')), stop: async () => {} }),
 *   create: ({ server, ns }) => createFileTransport({ path: join(server.dir, `${ns}.log`) }),
 *   descriptor: fileTransport,
 *   createBadOptions: () => ({ path: '' }),
 *   unreachable: ({ ns }) => createFileTransport({ path: `/nonexistent/${ns}.log` }),
 *   declares: { source: true, sink: true, ordering: 'total', redelivery: true, replay: true,
 *     keys: false, headers: false, delivery: 'at-least-once', framing: 'line' },
 * });
 */
export function describeTransportConformance<S = unknown>(options: ConformanceOptions<S>): void {
  describe(`conformance: ${options.transport}`, () => {
    const ctx = createSuiteContext(options);
    beforeAll(() => ctx.startServer(), options.startTimeoutMs ?? 60_000);
    beforeEach(() => ctx.beginTest());
    afterEach(() => ctx.endTest());
    afterAll(() => ctx.stopServer());
    for (const register of CASES) register(ctx as ConformanceContext<S>);
    options.extra?.(ctx);
  });
}
