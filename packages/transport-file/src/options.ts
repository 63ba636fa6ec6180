import {
  defineTransport,
  kv,
  type Transport,
  type TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Options of the file transport, as library users pass them (the adapter config may use strings). */
export interface FileTransportOptions {
  /** File path, or `-` for stdin (source) / stdout (sink). */
  readonly path: string;
  /** Source: longest line accepted, in bytes, without its terminator. Default 1 MiB. */
  readonly maxLineBytes?: number | undefined;
  /** Source: file that over-long lines are appended to (and skipped) instead of failing. */
  readonly deadLetterPath?: string | undefined;
  /** Source: keep reading as the file grows, and follow rotation. Default false. */
  readonly follow?: boolean | undefined;
  /** Source: poll interval of `follow`, in ms. Default 200. */
  readonly pollMs?: number | undefined;
  /** Source: checkpoint file. Default `<stateDir>/file-ingress.offset`. */
  readonly checkpointPath?: string | undefined;
  /** Source: bytes per read. Default 1 MiB. */
  readonly readChunkBytes?: number | undefined;
  /** Source: most messages per batch. Default 4096. */
  readonly batchMaxMessages?: number | undefined;
  /** Sink: when to fdatasync. Default `batch`. */
  readonly fsync?: 'never' | 'batch' | 'interval' | undefined;
  /** Sink: fdatasync period for `fsync=interval`, in ms. Default 1000. */
  readonly fsyncIntervalMs?: number | undefined;
  /** Sink: append (true) or truncate at open (false). Default true. */
  readonly append?: boolean | undefined;
  /** Sink: create missing parent directories. Default true. */
  readonly mkdir?: boolean | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedFileOptions {
  readonly path: string;
  readonly maxLineBytes: number;
  readonly deadLetterPath?: string | undefined;
  readonly follow: boolean;
  readonly pollMs: number;
  readonly checkpointPath?: string | undefined;
  readonly readChunkBytes: number;
  readonly batchMaxMessages: number;
  readonly fsync: 'never' | 'batch' | 'interval';
  readonly fsyncIntervalMs: number;
  readonly append: boolean;
  readonly mkdir: boolean;
}

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const bool = (fallback: boolean, description: string) =>
  kv.bool().default(fallback).meta({ description });
const filePath = (description: string) =>
  z.string().min(1, 'expected a non-empty path').meta({ description, type: 'path' });

const schema = z.object({
  path: filePath(
    'File to read (source) or append to (sink); `-` means stdin (source) or stdout (sink).',
  ),
  maxLineBytes: int(
    1,
    1024 * MiB,
    MiB,
    'Source: the longest line accepted, in bytes, without its terminator. A longer line fails with `invalid-input` (it is never truncated) unless `deadLetterPath` is set.',
  ),
  deadLetterPath: filePath(
    'Source: over-long lines are appended to this file (original bytes and terminator) and skipped; `deadLettered` counts them.',
  ).optional(),
  follow: bool(
    false,
    'Source: keep reading as the file grows (like `tail -F`), reopening from offset 0 when it is rotated (new inode) or truncated. Without it, the source ends at end of file.',
  ),
  pollMs: int(10, 60_000, 200, 'Source: how often `follow` checks for growth and rotation, in ms.'),
  checkpointPath: filePath(
    'Source: where acknowledged offsets are kept. Default `<stateDir>/file-ingress.offset`; with neither, there is no checkpoint and reading starts at offset 0.',
  ).optional(),
  readChunkBytes: int(4096, 256 * MiB, MiB, 'Source: bytes read per read call.'),
  batchMaxMessages: int(1, 1_000_000, 4096, 'Source: most messages per batch.'),
  fsync: kv.oneOf(['never', 'batch', 'interval']).default('batch').meta({
    description:
      'Sink: `batch` fdatasyncs every batch before reporting ok (survives power loss); `interval` every `fsyncIntervalMs`; `never` leaves it to the OS (survives a process crash, not a power loss).',
  }),
  fsyncIntervalMs: int(1, 3_600_000, 1000, 'Sink: fdatasync period for `fsync=interval`, in ms.'),
  append: bool(true, 'Sink: append to the file (true) or truncate it when opened (false).'),
  mkdir: bool(true, "Sink: create the file's missing parent directories."),
});

/**
 * Builds the descriptor of the file transport from the (private) zod schema: `parseOptions`
 * rejects unknown or invalid options with `invalid-config`, `describeOptions` feeds help and docs.
 */
export function defineFileTransport(
  create: (options: ResolvedFileOptions) => Transport,
): TransportDescriptor<ResolvedFileOptions> {
  return defineTransport({ name: 'file', summary: SUMMARY, options: schema, create });
}

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'Line-oriented files and stdin/stdout: one message per line, byte offsets as positions';

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedFileOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedFileOptions;
const _inputIsAccepted: z.input<typeof schema> = {} as FileTransportOptions;
