import type {
  CheckContext,
  InboundBatch,
  LagReading,
  OpenContext,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportCheck,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkS3 } from './check.js';
import { S3Connection } from './client.js';
import { closedError, openCancelled } from './errors.js';
import { defineS3Transport, type ResolvedS3Options, type S3TransportOptions } from './options.js';
import { S3Sink } from './send.js';
import { S3Source } from './source.js';

/** The S3 transport: a `Transport` with both roles, plus its resolved options. */
export interface S3Transport extends Transport {
  readonly options: ResolvedS3Options;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Bytes left after the checkpoint (unit `bytes`), or null when unknown. */
  lag(): Promise<LagReading>;
  /** `edgeplane doctor`'s checks, on a client of their own (see `checkS3`). */
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
}

/**
 * What the transport promises with `framing=line` (the default). Ordering is total: objects are
 * read in key order and the sink's keys increase with each batch (`{seq}`). Keys and headers are
 * not carried (an object holds bodies only).
 */
export const s3Capabilities: TransportCapabilities = Object.freeze({
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: false,
  headers: false,
  delivery: 'at-least-once',
  framing: 'line',
});

/** The capabilities for some options: `framing=object` carries any bytes (`framing: 'message'`). */
export function s3CapabilitiesFor(
  options: Pick<ResolvedS3Options, 'framing'>,
): TransportCapabilities {
  return options.framing === 'object'
    ? Object.freeze({ ...s3Capabilities, framing: 'message' })
    : s3Capabilities;
}

/** The lag is a listing of the prefix: it is taken again at most this often (ms). */
const LAG_EVERY_MS = 2000;

const definition = defineS3Transport((options) => buildS3Transport(options));

/**
 * The descriptor, for the CLI and dynamic loading (`ingress.transport=s3`). `create()` validates
 * like `parseOptions()`, so bad options are `invalid-config` there too.
 */
export const s3Transport: TransportDescriptor<ResolvedS3Options> = {
  ...definition,
  create: (options) => createS3Transport(options),
};

/**
 * Creates an S3 transport; the options are validated now (`invalid-config` naming the option).
 * Nothing connects before `open()` (or a first `send()`).
 * @example
 * const ingress = createS3Transport({ bucket: 'logs', prefix: 'app/', follow: true });
 * const egress = createS3Transport({ bucket: 'archive', prefix: 'app/', compression: 'gzip' });
 * await ingress.open({ role: 'ingress', stateDir: '.lane/ingress' });
 */
export function createS3Transport(options: S3TransportOptions): S3Transport {
  return buildS3Transport(definition.parseOptions(options));
}

function buildS3Transport(options: ResolvedS3Options): S3Transport {
  const conn = new S3Connection(options);
  let source: S3Source | undefined;
  let stateDir: string | undefined;
  const sink = new S3Sink(conn, undefined);
  const theSource = () => {
    source ??= new S3Source(conn, stateDir);
    return source;
  };
  let opening: Promise<void> | undefined;
  let lagReading: { at: number; reading: Promise<LagReading> } | undefined;
  return {
    name: 's3',
    capabilities: s3CapabilitiesFor(options),
    options,
    /**
     * Reads the TLS files, then checks endpoint, credentials and bucket with one listing
     * (`unavailable`, `unauthenticated` naming the key option, `not-found` naming `bucket`, `tls`).
     * As an ingress it also reads the lane's checkpoint.
     */
    async open(context?: OpenContext) {
      if (conn.closed) throw closedError();
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      if (context?.onStateChange) conn.listen(context.onStateChange);
      stateDir ??= context?.stateDir;
      sink.setStateDir(context?.stateDir);
      opening ??= conn.check(context?.role, signal).then(
        () => {},
        (error: unknown) => {
          opening = undefined;
          throw signal?.aborted ? openCancelled() : error;
        },
      );
      await opening;
      if (context?.role !== 'egress') await theSource().open();
      conn.ok();
    },
    send: (batch, signal) => sink.send(batch, signal),
    receive: (receiveOptions) => theSource().receive(receiveOptions),
    /** Bytes left after the checkpoint: a listing, so taken at most every `LAG_EVERY_MS` (2 s). */
    async lag() {
      if (conn.closed) return { lag: null, unit: 'bytes' };
      const now = Date.now();
      if (!lagReading || now - lagReading.at >= LAG_EVERY_MS) {
        lagReading = {
          at: now,
          reading: theSource()
            .lagBytes(AbortSignal.timeout(options.requestTimeoutMs))
            .then((left) => ({ lag: left?.bytes ?? null, unit: 'bytes' }))
            .catch(() => ({ lag: null, unit: 'bytes' })),
        };
      }
      return lagReading.reading;
    },
    check: (context) => checkS3(options, context),
    async close() {
      conn.close();
      await source?.close();
    },
  };
}
