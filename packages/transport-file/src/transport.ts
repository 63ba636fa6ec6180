import type { Readable, Writable } from 'node:stream';
import type {
  InboundBatch,
  LagReading,
  OpenContext,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkFile } from './check.js';
import { closedError } from './errors.js';
import {
  defineFileTransport,
  type FileTransportOptions,
  type ResolvedFileOptions,
} from './options.js';
import { receiveBatches } from './receive.js';
import { FileSink } from './send.js';
import { FileSource } from './source.js';

/** Streams to use instead of the process's stdin/stdout for `path: '-'` (tests, embedding). */
export interface FileTransportIo {
  readonly stdin?: Readable | undefined;
  readonly stdout?: Writable | undefined;
}

/** The file transport: a `Transport` with both roles, plus what only files have. */
export interface FileTransport extends Transport {
  readonly options: ResolvedFileOptions;
  /** Over-long lines diverted to `deadLetterPath` so far. */
  readonly deadLettered: number;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Bytes between the read position and the end of the file (`null` for stdin). */
  lag(): Promise<LagReading>;
}

/**
 * What the file transport promises for a path: a regular file keeps a checkpoint and can be
 * re-read (redelivery, replay, at-least-once); stdin cannot be re-read, so what was read but not
 * processed before a crash is gone (at-most-once, no redelivery, no replay).
 */
export function fileCapabilities(path: string): TransportCapabilities {
  const file = path !== '-';
  return {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: file,
    replay: file,
    keys: false,
    headers: false,
    delivery: file ? 'at-least-once' : 'at-most-once',
    framing: 'line',
  };
}

const definition = defineFileTransport((options) => buildFileTransport(options, {}));

/**
 * The descriptor, for the CLI and dynamic loading. `create()` validates like `parseOptions()`,
 * so bad options are `invalid-config` there too.
 */
export const fileTransport: TransportDescriptor<ResolvedFileOptions> = {
  ...definition,
  create: (options) => createFileTransport(options),
};

/**
 * Creates a file transport; the options are validated now (`invalid-config` on a bad one).
 * @example
 * const ingress = createFileTransport({ path: 'in.log', follow: true });
 * const egress = createFileTransport({ path: 'out.log', fsync: 'batch' });
 * await ingress.open({ role: 'ingress', stateDir: '.lane/ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createFileTransport(
  options: FileTransportOptions,
  io: FileTransportIo = {},
): FileTransport {
  return buildFileTransport(definition.parseOptions(options), io);
}

function buildFileTransport(options: ResolvedFileOptions, io: FileTransportIo): FileTransport {
  const source = new FileSource(options, () => io.stdin ?? process.stdin);
  const sink = new FileSink(options, () => io.stdout ?? process.stdout);
  let closed = false;
  return {
    name: 'file',
    capabilities: fileCapabilities(options.path),
    options,
    get deadLettered() {
      return source.deadLettered;
    },
    /** `role: 'ingress'` checks the file and loads the checkpoint; `'egress'` opens the output. */
    async open(context?: OpenContext) {
      if (closed) throw closedError();
      source.stateDir ??= context?.stateDir;
      if (context?.role === 'ingress') await source.open();
      if (context?.role === 'egress') await sink.open();
    },
    send: (batch, signal) => sink.send(batch, signal),
    receive: (receiveOptions) => receiveBatches(source, receiveOptions),
    lag: () => source.lag(),
    /** Doctor's checks (check.ts): reads and writes nothing but a removed scratch file. */
    check: (context) => checkFile(options, context),
    async close() {
      closed = true;
      // Never rejects (rule 5): what could not be flushed only means redelivery after a restart.
      await Promise.allSettled([source.close(), sink.close()]);
    },
  };
}
