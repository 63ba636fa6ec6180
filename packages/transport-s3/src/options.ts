import {
  defineTransport,
  kv,
  type TlsOptions,
  type Transport,
  type TransportDescriptor,
  tlsOptionFields,
  tlsOptionSetWhileOff,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';

/**
 * Options of the S3 transport, as library users pass them (the adapter config may use strings).
 * The `tls*` options are the contract's (`TlsOptions`): TLS is on with an `https://` endpoint, or
 * with no endpoint at all (AWS S3 is HTTPS only).
 */
export interface S3TransportOptions extends TlsOptions {
  /** The bucket: read by the source, written by the sink. */
  readonly bucket: string;
  /** Key prefix: the source reads the objects under it, the sink writes under it. Default `''`. */
  readonly prefix?: string | undefined;
  /** `http(s)://host:port` of an S3-compatible server (MinIO, s3rver...). Default: AWS S3 for `region`. */
  readonly endpoint?: string | undefined;
  /** Region (signing and the AWS endpoint). Default: `AWS_REGION`, else `us-east-1`. */
  readonly region?: string | undefined;
  /** Path-style addressing (`endpoint/bucket/key`), as MinIO and s3rver need. Default false. */
  readonly forcePathStyle?: boolean | undefined;
  /** `when-required` (default: works with AWS S3, MinIO and s3rver) or `when-supported`. */
  readonly checksums?: 'when-required' | 'when-supported' | undefined;
  /** Access key id; absent: the standard AWS credential chain (env, profile, IMDS...). */
  readonly accessKeyId?: string | undefined;
  /** Secret access key (secret). Needs `accessKeyId`. */
  readonly secretAccessKey?: string | undefined;
  /** Session token of temporary credentials (secret). Needs `accessKeyId`. */
  readonly sessionToken?: string | undefined;
  /** `line` (default): one message per LF-terminated line. `object`: one message per object. */
  readonly framing?: 'line' | 'object' | undefined;
  /** Source: read only keys after this one (exclusive, in S3 key order). */
  readonly startAfter?: string | undefined;
  /** Source: keep polling for new keys at the end instead of ending. Default false. */
  readonly follow?: boolean | undefined;
  /** Source: how often follow mode lists new keys, in ms. Default 1000. */
  readonly pollIntervalMs?: number | undefined;
  /** Source: what to do with an object once every message of it is acknowledged. Default `none`. */
  readonly afterAck?: 'none' | 'delete' | 'move' | undefined;
  /** Source: with `afterAck=move`, the prefix acknowledged objects are moved under. */
  readonly moveToPrefix?: string | undefined;
  /** Source: the most messages per batch. Default 1024. */
  readonly batchMaxMessages?: number | undefined;
  /** Source, `framing=object`: largest object read, in bytes. Default 64 MiB. */
  readonly maxObjectBytes?: number | undefined;
  /** Sink: object key template. Default `{prefix}{seq}.ndjson` (`.ndjson.gz` with gzip). */
  readonly keyTemplate?: string | undefined;
  /** Sink: `none` (default) or `gzip` the objects written. */
  readonly compression?: 'none' | 'gzip' | undefined;
  /** Sink: `Content-Type` of the objects written. Default `application/x-ndjson`. */
  readonly contentType?: string | undefined;
  /** Sink: objects larger than this (bytes) are sent as a multipart upload. Default 16 MiB. */
  readonly multipartThresholdBytes?: number | undefined;
  /** Sink: part size of a multipart upload, in bytes (at least 5 MiB). Default 8 MiB. */
  readonly partSizeBytes?: number | undefined;
  /** Time allowed to open a connection, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Longest one request may take, in ms. Default 60000. */
  readonly requestTimeoutMs?: number | undefined;
  /** Ceiling of the source's retry backoff (100 ms doubling, with jitter), in ms. Default 5000. */
  readonly reconnectMaxDelayMs?: number | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedS3Options extends TlsOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly forcePathStyle: boolean;
  readonly checksums: 'when-required' | 'when-supported';
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly sessionToken?: string | undefined;
  readonly framing: 'line' | 'object';
  readonly startAfter?: string | undefined;
  readonly follow: boolean;
  readonly pollIntervalMs: number;
  readonly afterAck: 'none' | 'delete' | 'move';
  readonly moveToPrefix?: string | undefined;
  readonly batchMaxMessages: number;
  readonly maxObjectBytes: number;
  readonly keyTemplate?: string | undefined;
  readonly compression: 'none' | 'gzip';
  readonly contentType: string;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
}

const MiB = 1024 * 1024;
/** S3's smallest part (but the last) of a multipart upload, in bytes. */
export const MIN_PART_BYTES: number = 5 * MiB;
/** S3's largest single PutObject and part, in bytes (5 GiB). */
export const MAX_PUT_BYTES: number = 5 * 1024 * MiB;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const choice = <T extends string>(values: readonly [T, ...T[]], fallback: T, description: string) =>
  z
    .enum(values)
    .default(fallback as never)
    .meta({ description });

// Bucket naming rules of AWS (3-63 lowercase letters, digits, dots, hyphens); MinIO's are the same.
const bucket = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'expected a bucket name of 3-63 lowercase letters, digits, dots and hyphens',
  )
  .meta({ description: 'The bucket: the source reads it, the sink writes to it.' });

const key = (description: string) =>
  z.string().max(1024, 'expected at most 1024 bytes').meta({ description });

const endpoint = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected an http://host:port or https://host:port URL')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
    } catch {
      return true;
    }
  }, 'expected no credentials, query or fragment in the URL (the value is not shown): give keys as `accessKeyId`/`secretAccessKey`')
  .optional()
  .meta({
    description:
      'Endpoint of an S3-compatible server, `http://host:port` or `https://host:port` (MinIO, s3rver, a gateway). `https://` turns TLS on. Absent: AWS S3 for `region`, over HTTPS.',
    type: 'url',
  });

const schema = z.object({
  bucket,
  prefix: key(
    'Key prefix: the source reads the objects whose keys start with it, the sink writes under it (`logs/2026/`). Default: the whole bucket.',
  ).default(''),
  endpoint,
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'expected a region such as us-east-1')
    .optional()
    .meta({
      description:
        'Region: signs requests and picks the AWS endpoint. Default: `AWS_REGION` / `AWS_DEFAULT_REGION` from the environment, else `us-east-1` (what MinIO and s3rver expect).',
    }),
  forcePathStyle: kv.bool().default(false).meta({
    description:
      'Path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted (`bucket.endpoint/key`). MinIO without a domain and s3rver need `true`; AWS S3 works either way.',
  }),
  checksums: choice(
    ['when-required', 'when-supported'],
    'when-required',
    "When the client adds CRC checksums to requests and checks them in answers. `when-required` (default): only where S3 requires one — what AWS S3, MinIO and s3rver all accept (s3rver stores a `when-supported` streamed body with its aws-chunked framing: silent corruption). `when-supported`: the SDK's default, for AWS S3 only.",
  ),
  accessKeyId: z.string().min(1).max(256).optional().meta({
    description:
      'Access key id. Absent: the standard AWS credential chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, web identity, ECS/EC2 metadata).',
  }),
  secretAccessKey: kv
    .secret()
    .optional()
    .meta({
      description:
        'Secret access key; needs `accessKeyId`. Secret: redacted wherever the config is printed (write `$' +
        '{VAR}` in an adapter config).',
    }),
  sessionToken: kv.secret().optional().meta({
    description: 'Session token of temporary credentials (STS); needs `accessKeyId`. Secret.',
  }),
  framing: choice(
    ['line', 'object'],
    'line',
    'Source: `line` reads each object as LF-terminated lines (CRs before the LF stripped), one message each; `object` makes each object one message. Sink: `line` writes each batch as one newline-delimited object; `object` writes each message as its own object (the template must hold `{index}`).',
  ),
  startAfter: key(
    'Source: read only the keys after this one (exclusive, in S3 key order: UTF-8 bytes). A checkpoint in the lane takes precedence once there is one.',
  ).optional(),
  follow: kv.bool().default(false).meta({
    description:
      'Source: at the end of the listing, keep polling for new keys (every `pollIntervalMs`) instead of ending. Only keys that sort after the last one read are seen.',
  }),
  pollIntervalMs: int(10, 3_600_000, 1000, 'Source: how often follow mode lists new keys, in ms.'),
  afterAck: choice(
    ['none', 'delete', 'move'],
    'none',
    'Source: once every message of an object is acknowledged (the egress took it), `delete` the object or `move` it under `moveToPrefix` (copy, then delete). `none` (default) leaves it.',
  ),
  moveToPrefix: key(
    'Source: with `afterAck=move`, the prefix acknowledged objects are moved under (the key keeps its part after `prefix`). Must not start with `prefix`.',
  ).optional(),
  batchMaxMessages: int(
    1,
    100_000,
    1024,
    'Source: the most messages per batch (the loop may ask for fewer).',
  ),
  maxObjectBytes: int(
    1,
    MAX_PUT_BYTES,
    64 * MiB,
    'Source, `framing=object`: largest object read as one message, in bytes; a larger one stops the source with `too-large`. Lines are streamed and have no limit but memory.',
  ),
  keyTemplate: z
    .string()
    .min(1)
    .max(1024)
    .refine(
      (v) => v.includes('{seq}') || v.includes('{firstId}'),
      'expected `{seq}` or `{firstId}` in the template (names must differ per batch)',
    )
    .refine(
      (v) => !/\{(?!prefix\}|seq\}|firstId\}|date\}|index\})[^}]*\}/.test(v),
      'expected only the placeholders {prefix}, {seq}, {firstId}, {date} and {index}',
    )
    .optional()
    .meta({
      description:
        'Sink: key of each object written. Placeholders: `{prefix}`, `{seq}` (the batch sequence, 20 digits, increasing: reserved in the lane before the upload, reused when the loop retries the batch), `{firstId}` (16 hex digits of SHA-256 of the first message id, stable across restarts), `{date}` (UTC `yyyy/mm/dd`), `{index}` (6 digits, the message in the batch, `framing=object` only). Default `{prefix}{seq}.ndjson` (`.ndjson.gz` with gzip; `{prefix}{seq}-{index}` with `framing=object`).',
    }),
  compression: choice(
    ['none', 'gzip'],
    'none',
    'Sink: `gzip` compresses each object (and sets `Content-Encoding: gzip`). The source always decodes `.gz` keys and `Content-Encoding: gzip` objects.',
  ),
  contentType: z.string().min(1).max(256).default('application/x-ndjson').meta({
    description: 'Sink: `Content-Type` of the objects written.',
  }),
  multipartThresholdBytes: int(
    MIN_PART_BYTES,
    MAX_PUT_BYTES,
    16 * MiB,
    'Sink: an object larger than this, in bytes, is sent as a multipart upload (parts of `partSizeBytes`) instead of one PutObject.',
  ),
  partSizeBytes: int(
    MIN_PART_BYTES,
    MAX_PUT_BYTES,
    8 * MiB,
    'Sink: part size of a multipart upload, in bytes (S3: at least 5 MiB).',
  ),
  connectTimeoutMs: int(100, 600_000, 10_000, 'Time allowed to open a connection, in ms.'),
  requestTimeoutMs: int(
    100,
    3_600_000,
    60_000,
    'Longest one request (a PutObject, a part, a GetObject without data) may wait for an answer, in ms; past it the send is a retryable `timeout`.',
  ),
  reconnectMaxDelayMs: int(
    100,
    600_000,
    5000,
    'Ceiling of the source backoff while the server is unreachable (100 ms doubling, plus jitter), in ms; the snapshot shows `reconnecting` meanwhile. The sink does not retry: the loop does.',
  ),
  // The contract's fields, descriptions unchanged: an `https://` endpoint (or none: AWS) turns TLS on.
  ...tlsOptionFields,
});

/** How TLS is turned on for this transport: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT = 'use an https:// endpoint (TLS is on with it, and without endpoint)';

/** Whether requests go over TLS: an `https://` endpoint, or none (AWS S3), or `tls=true`. */
export function tlsEnabled(options: {
  readonly endpoint?: string | undefined;
  readonly tls?: boolean | undefined;
}): boolean {
  if (options.endpoint === undefined) return options.tls !== false;
  return options.endpoint.startsWith('https:') || options.tls === true;
}

/** Checks across options, so `validate` refuses what `open()` would. */
const checked = schema.superRefine((o, ctx) => {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (o.tls === true && o.endpoint?.startsWith('http:'))
    issue('tls', 'is true but `endpoint` is http:// (plaintext); use an https:// endpoint for TLS');
  if (o.tls === false && (o.endpoint === undefined || o.endpoint.startsWith('https:')))
    issue(
      'tls',
      'is false but the endpoint is HTTPS (AWS S3, or an https:// endpoint); give an http:// endpoint for plaintext',
    );
  const set = tlsOptionSetWhileOff(o, tlsEnabled(o));
  if (set) issue(set, `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}`);
  if (o.secretAccessKey !== undefined && o.accessKeyId === undefined)
    issue('accessKeyId', 'is required with `secretAccessKey`');
  if (o.accessKeyId !== undefined && o.secretAccessKey === undefined)
    issue(
      'secretAccessKey',
      'is required with `accessKeyId` (set it from a secret: `$' + '{VAR}`)',
    );
  if (o.sessionToken !== undefined && o.accessKeyId === undefined)
    issue('sessionToken', 'needs `accessKeyId` and `secretAccessKey`');
  if (o.afterAck === 'move' && o.moveToPrefix === undefined)
    issue('moveToPrefix', 'is required with `afterAck=move`');
  if (o.moveToPrefix !== undefined && o.afterAck !== 'move')
    issue('moveToPrefix', 'is set but `afterAck` is not `move` (it would be ignored)');
  if (o.moveToPrefix?.startsWith(o.prefix))
    issue(
      'moveToPrefix',
      'starts with `prefix`: moved objects would be read again; choose a prefix outside it',
    );
  if (o.keyTemplate !== undefined) {
    if (o.framing === 'object' && !o.keyTemplate.includes('{index}'))
      issue('keyTemplate', 'needs `{index}` with `framing=object` (one object per message)');
    if (o.framing === 'line' && o.keyTemplate.includes('{index}'))
      issue('keyTemplate', 'has `{index}`, which only `framing=object` fills');
  }
  if (o.partSizeBytes > o.multipartThresholdBytes)
    issue('partSizeBytes', 'is larger than `multipartThresholdBytes`');
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'S3 (AWS, MinIO, compatible): objects under a prefix in key order as lines or whole objects, checkpointed by key and byte offset; one object per egress batch';

/** The sink's key template once defaults are applied. */
export function keyTemplateOf(options: ResolvedS3Options): string {
  if (options.keyTemplate !== undefined) return options.keyTemplate;
  if (options.framing === 'object') return '{prefix}{seq}-{index}';
  return options.compression === 'gzip' ? '{prefix}{seq}.ndjson.gz' : '{prefix}{seq}.ndjson';
}

/**
 * Builds the descriptor from the (private) zod schema: `parseOptions` rejects unknown or invalid
 * options with `invalid-config` naming the option, `describeOptions` feeds help and docs.
 */
export function defineS3Transport(
  create: (options: ResolvedS3Options) => Transport,
): TransportDescriptor<ResolvedS3Options> {
  return defineTransport({ name: 's3', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedS3Options = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedS3Options;
const _inputIsAccepted: z.input<typeof schema> = {} as S3TransportOptions;
