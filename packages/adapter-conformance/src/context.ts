import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboundMessage, SendResult, Transport } from '@edgeplane/adapter-loop/transport';
import { drain } from './drain.js';
import type {
  ConformanceContext,
  ConformanceOptions,
  ConformanceRole,
  CreateContext,
  ServerHandle,
} from './types.js';

/** The context plus the hooks `describeTransportConformance` wires to vitest. */
export interface SuiteContext<S> extends ConformanceContext<S> {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  beginTest(): Promise<void>;
  endTest(): Promise<void>;
}

interface TestState {
  readonly ns: string;
  readonly root: string;
  readonly tracked: Transport[];
  sink?: Promise<Transport>;
  /** `synchronous` handoff: the background sends, chained in order. */
  seeding: Promise<void>;
  /** `synchronous` handoff: the first permanent send failure. */
  seedError?: Error;
  /** The test is ending: background sends stop retrying. */
  ending: boolean;
}

/** Pause between two sends of a batch after a `retryable` result (`synchronous` handoff), in ms. */
const RESEND_DELAY_MS = 50;
/** How long `endTest` waits for background sends to settle after closing, in ms. */
const SEED_SETTLE_MS = 5_000;

function describeFailure(at: number, result: SendResult): string {
  return `send() of messages ${at}.. returned ${result.status}: ${
    result.status === 'partial'
      ? result.rejected.map((r) => `#${r.index} ${r.error.message}`).join('; ')
      : result.status === 'ok'
        ? ''
        : result.error.message
  }`;
}

/** Default per-test timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The `OpenContext.role` the suite opens each role with. */
export const OPEN_ROLE: Readonly<Record<ConformanceRole, 'ingress' | 'egress'>> = {
  source: 'ingress',
  sink: 'egress',
};

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'transport'
  );
}

/** Builds the per-suite context: server lifecycle, a namespace and state dirs per test, auto-close. */
export function createSuiteContext<S>(options: ConformanceOptions<S>): SuiteContext<S> {
  let server: (S & ServerHandle) | undefined;
  let test: TestState | undefined;
  const current = (): TestState => {
    if (!test) throw new Error('conformance: the context is only usable inside a test');
    return test;
  };

  const ctx: SuiteContext<S> = {
    options,
    async startServer() {
      try {
        server = await options.server();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `conformance(${options.transport}): the server did not start: ${reason}\n` +
            'A missing server is a failure, never a skip: start it (or point the suite at a ' +
            "running one, see the transport's docs) and run again.",
          { cause: error },
        );
      }
    },
    async stopServer() {
      await server?.stop();
      server = undefined;
    },
    async beginTest() {
      const ns = `ep-${slug(options.transport)}-${randomBytes(4).toString('hex')}`;
      const root = await mkdtemp(join(tmpdir(), `${ns}-`));
      await Promise.all([mkdir(join(root, 'source')), mkdir(join(root, 'sink'))]);
      test = { ns, root, tracked: [], seeding: Promise.resolve(), ending: false };
    },
    async endTest() {
      const state = test;
      test = undefined;
      if (!state) return;
      const seedError = state.seedError;
      state.ending = true;
      const results = await Promise.allSettled(state.tracked.map((t) => t.close()));
      await Promise.race([
        state.seeding,
        new Promise((resolve) => setTimeout(resolve, SEED_SETTLE_MS).unref()),
      ]);
      await rm(state.root, { recursive: true, force: true });
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new Error(`close() must not reject: ${String(failed.reason)}`);
      if (seedError) throw seedError;
    },
    server() {
      if (!server) throw new Error(`conformance(${options.transport}): the server is not running`);
      return server;
    },
    ns: () => current().ns,
    stateDir: (role) => join(current().root, role),
    createContext(role: ConformanceRole): CreateContext<S> {
      return { server: ctx.server(), ns: ctx.ns(), stateDir: ctx.stateDir(role), role };
    },
    track(transport) {
      current().tracked.push(transport);
      return transport;
    },
    async open(role) {
      const transport = ctx.track(options.create(ctx.createContext(role)));
      await transport.open({ role: OPEN_ROLE[role], stateDir: ctx.stateDir(role) });
      return transport;
    },
    async pair() {
      const state = current();
      if (options.handoff === 'synchronous') {
        const source = await ctx.open('source');
        state.sink ??= ctx.open('sink');
        return { sink: await state.sink, source };
      }
      state.sink ??= ctx.open('sink');
      const sink = await state.sink;
      return { sink, source: await ctx.open('source') };
    },
    async seed(messages: readonly OutboundMessage[], batchSize = messages.length) {
      const state = current();
      state.sink ??= ctx.open('sink');
      const sink = await state.sink;
      if (!sink.send) throw new Error('conformance: the transport declares sink but has no send()');
      if (options.handoff === 'synchronous') {
        const send = sink.send.bind(sink);
        const step = Math.max(1, batchSize);
        state.seeding = state.seeding.then(async () => {
          for (let i = 0; i < messages.length && !state.ending; i += step) {
            for (;;) {
              const result = await send(messages.slice(i, i + step));
              if (result.status === 'ok' || state.ending) break;
              if (result.status === 'retryable') {
                await new Promise((resolve) => setTimeout(resolve, RESEND_DELAY_MS));
                continue;
              }
              state.seedError ??= new Error(describeFailure(i, result));
              return;
            }
          }
        });
        return;
      }
      for (let i = 0; i < messages.length; i += Math.max(1, batchSize)) {
        const result = await sink.send(messages.slice(i, i + Math.max(1, batchSize)));
        if (result.status !== 'ok') {
          throw new Error(describeFailure(i, result));
        }
      }
    },
    async drain(source, drainOptions) {
      const state = current();
      try {
        const drained = await drain(source, drainOptions, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        if (state.seedError) throw state.seedError;
        return drained;
      } catch (error) {
        if (state.seedError && error !== state.seedError) {
          throw new Error(
            `${(error as Error).message}\n(the background seed failed first: ${state.seedError.message})`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
  return ctx;
}
