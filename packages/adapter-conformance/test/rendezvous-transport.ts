import {
  EdgeplaneError,
  type InboundBatch,
  type OutboundMessage,
  type ReceiveOptions,
  sendFailed,
  sendOk,
  sendPartial,
  sendRetryable,
  type Transport,
  type TransportCapabilities,
} from '@edgeplane/adapter-loop/transport';

/**
 * An in-memory reference transport with a `synchronous` handoff, the shape of an HTTP or gRPC
 * ingress: the open source is the sink's peer, and the sink's `send()` is `ok` only once the
 * source acknowledged every message of the batch. No source open, or a source closed with the
 * batch unacknowledged: `retryable` (the client sends again, as an HTTP client would).
 */
export interface RendezvousServer {
  /** The open source of each namespace, if any. */
  readonly listeners: Map<string, Listener>;
  stop(): Promise<void>;
}

interface Pending {
  readonly message: OutboundMessage;
  readonly settle: (taken: boolean) => void;
}

interface Listener {
  readonly queue: Pending[];
  wake(): void;
}

/** Largest body the sink takes, in bytes (a larger one is refused alone, `too-large`). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Window of unacknowledged messages the source hands out (its `maxInFlight`). */
const WINDOW = 64;

export const RENDEZVOUS_CAPABILITIES: TransportCapabilities = {
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: false,
  replay: false,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
  maxInFlight: WINDOW,
  maxBodyBytes: MAX_BODY_BYTES,
};

const COMPONENT = 'transport:rendezvous';
const closedError = () => new EdgeplaneError('closed', COMPONENT, 'transport is closed');

export function createRendezvousServer(): RendezvousServer {
  return { listeners: new Map(), stop: async () => {} };
}

export function createRendezvousTransport(server: RendezvousServer, ns: string): Transport {
  let closed = false;
  let listener: Listener | undefined;
  const outstanding = new Set<Pending>();
  let delivered = 0;

  async function* receive({ signal }: ReceiveOptions): AsyncGenerator<InboundBatch> {
    const own = listener;
    if (!own) throw closedError();
    while (!signal.aborted && !closed) {
      if (own.queue.length === 0 || outstanding.size >= WINDOW) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      const taken = own.queue.splice(0, WINDOW - outstanding.size);
      for (const p of taken) outstanding.add(p);
      const base = delivered;
      delivered += taken.length;
      let acked = 0;
      yield {
        messages: taken.map((p, i) => ({
          ...p.message,
          headers: { ...(p.message.headers ?? {}) },
          id: `${ns}#${base + i}`,
        })),
        async ack(count = taken.length) {
          if (closed) throw closedError();
          for (const p of taken.slice(acked, count)) {
            outstanding.delete(p);
            p.settle(true);
          }
          acked = Math.max(acked, count);
        },
        async nack() {
          if (closed) throw closedError();
          const rest = taken.slice(acked);
          for (const p of rest) outstanding.delete(p);
          own.queue.unshift(...rest);
        },
      };
    }
  }

  return {
    name: 'rendezvous',
    capabilities: RENDEZVOUS_CAPABILITIES,
    async open(context) {
      if (context?.role === 'ingress') {
        listener = { queue: [], wake: () => {} };
        server.listeners.set(ns, listener);
      }
    },
    async send(batch) {
      if (closed) return sendFailed(closedError());
      const peer = server.listeners.get(ns);
      if (!peer) {
        return sendRetryable(new EdgeplaneError('unavailable', COMPONENT, `no source on "${ns}"`));
      }
      const rejected = batch.flatMap((message, index) =>
        message.body.length > MAX_BODY_BYTES
          ? [{ index, error: new EdgeplaneError('too-large', COMPONENT, 'body over 1 MiB') }]
          : [],
      );
      const settled = batch
        .filter((message) => message.body.length <= MAX_BODY_BYTES)
        .map((message) => new Promise<boolean>((settle) => peer.queue.push({ message, settle })));
      const taken = await Promise.all(settled);
      if (!taken.every(Boolean))
        return sendRetryable(new EdgeplaneError('unavailable', COMPONENT, 'the source went away'));
      return rejected.length > 0 ? sendPartial(rejected) : sendOk();
    },
    receive,
    async close() {
      if (closed) return;
      closed = true;
      if (listener && server.listeners.get(ns) === listener) server.listeners.delete(ns);
      for (const p of [...outstanding, ...(listener?.queue ?? [])]) p.settle(false);
      outstanding.clear();
      listener?.queue.splice(0);
    },
  };
}

export function unreachableRendezvous(): Transport {
  return {
    ...createRendezvousTransport(createRendezvousServer(), 'nowhere'),
    async open() {
      throw new EdgeplaneError('unavailable', COMPONENT, 'cannot reach rendezvous "nowhere"');
    },
  };
}
