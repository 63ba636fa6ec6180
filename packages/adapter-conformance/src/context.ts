import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboundMessage, Transport } from '@edgeplane/adapter-loop/transport';
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
      test = { ns, root, tracked: [] };
    },
    async endTest() {
      const state = test;
      test = undefined;
      if (!state) return;
      const results = await Promise.allSettled(state.tracked.map((t) => t.close()));
      await rm(state.root, { recursive: true, force: true });
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new Error(`close() must not reject: ${String(failed.reason)}`);
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
      state.sink ??= ctx.open('sink');
      const sink = await state.sink;
      return { sink, source: await ctx.open('source') };
    },
    async seed(messages: readonly OutboundMessage[], batchSize = messages.length) {
      const state = current();
      state.sink ??= ctx.open('sink');
      const sink = await state.sink;
      if (!sink.send) throw new Error('conformance: the transport declares sink but has no send()');
      for (let i = 0; i < messages.length; i += Math.max(1, batchSize)) {
        const result = await sink.send(messages.slice(i, i + Math.max(1, batchSize)));
        if (result.status !== 'ok') {
          throw new Error(
            `send() of messages ${i}.. returned ${result.status}: ${
              result.status === 'partial'
                ? result.rejected.map((r) => `#${r.index} ${r.error.message}`).join('; ')
                : result.error.message
            }`,
          );
        }
      }
    },
    drain: (source, drainOptions) =>
      drain(source, drainOptions, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  };
  return ctx;
}
