import {
  checkResult,
  EdgeplaneError,
  type InboundBatch,
  type InboundMessage,
  type OutboundMessage,
  type ReceiveOptions,
  sendFailed,
  sendOk,
  type Transport,
  type TransportCapabilities,
  type TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';

/**
 * An in-memory reference transport with every capability on (keys, headers, message framing):
 * the suite's own test runs against it, so the cases a file transport skips still run somewhere.
 */
export interface MemoryServer {
  readonly logs: Map<string, OutboundMessage[]>;
  /** Committed offsets by state directory (what a broker keeps per consumer group). */
  readonly committed: Map<string, number>;
  stop(): Promise<void>;
}

export const MEMORY_CAPABILITIES: TransportCapabilities = {
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
};

const COMPONENT = 'transport:memory';
const closedError = () => new EdgeplaneError('closed', COMPONENT, 'transport is closed');

export function createMemoryServer(): MemoryServer {
  return { logs: new Map(), committed: new Map(), stop: async () => {} };
}

function copy(m: OutboundMessage): OutboundMessage {
  return { key: m.key, headers: m.headers ? { ...m.headers } : {}, body: m.body.slice() };
}

export function createMemoryTransport(
  server: MemoryServer,
  ns: string,
  stateDir: string,
): Transport {
  let closed = false;
  const wake = new Set<() => void>();
  const log = () => {
    const l = server.logs.get(ns) ?? [];
    server.logs.set(ns, l);
    return l;
  };
  const sleep = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        wake.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      wake.add(done);
      signal.addEventListener('abort', done);
      setTimeout(done, 50);
    });

  async function* receive({ from, signal }: ReceiveOptions): AsyncGenerator<InboundBatch> {
    let pos = from === undefined ? (server.committed.get(stateDir) ?? 0) : Number(from);
    while (!signal.aborted && !closed) {
      const l = log();
      if (pos >= l.length) {
        await sleep(signal);
        continue;
      }
      const start = pos;
      const messages: InboundMessage[] = l.slice(start, start + 1000).map((m, i) => ({
        ...copy(m),
        id: `${ns}@${start + i}`,
        position: String(start + i + 1),
      }));
      pos += messages.length;
      let acked = 0;
      yield {
        messages,
        async ack(count = messages.length) {
          if (closed) throw closedError();
          acked = Math.max(acked, count);
          const end = start + count;
          server.committed.set(stateDir, Math.max(server.committed.get(stateDir) ?? 0, end));
        },
        async nack() {
          if (closed) throw closedError();
          pos = start + acked;
        },
      };
    }
  }

  return {
    name: 'memory',
    capabilities: MEMORY_CAPABILITIES,
    async open() {},
    async send(batch) {
      if (closed) return sendFailed(closedError());
      log().push(...batch.map(copy));
      for (const w of [...wake]) w();
      return sendOk();
    },
    receive,
    async check() {
      const found = `memory namespace "${ns}" holds ${log().length} message(s)`;
      return [checkResult('reachable', 'ok', found)];
    },
    async close() {
      closed = true;
      for (const w of [...wake]) w();
    },
  };
}

export const memoryTransport: TransportDescriptor<{ ns: string }> = {
  name: 'memory',
  summary: 'In-memory reference transport (tests only)',
  parseOptions(input) {
    const ns = (input as { ns?: unknown } | undefined)?.ns;
    const keys = Object.keys((input as object | undefined) ?? {}).filter((k) => k !== 'ns');
    if (typeof ns !== 'string' || ns === '' || keys.length > 0) {
      throw new EdgeplaneError(
        'invalid-config',
        COMPONENT,
        'option "ns" is required (and the only option)',
      );
    }
    return { ns };
  },
  describeOptions: () => [{ name: 'ns', type: 'string', required: true, description: 'Namespace' }],
  create(options) {
    return createMemoryTransport(
      createMemoryServer(),
      memoryTransport.parseOptions(options).ns,
      '',
    );
  },
};

export function unreachableMemory(): Transport {
  return {
    ...createMemoryTransport(createMemoryServer(), 'nowhere', ''),
    async open() {
      throw new EdgeplaneError('unavailable', COMPONENT, 'cannot reach memory server "nowhere"');
    },
    async check() {
      return [
        checkResult('reachable', 'fail', 'cannot reach memory server "nowhere"', {
          fix: 'give an existing memory server',
        }),
      ];
    },
  };
}
