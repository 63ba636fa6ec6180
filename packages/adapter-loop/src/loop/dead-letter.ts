import type { EdgeplaneError } from '@edgeplane/errors';
import { redactText } from '../redact.js';
import type { InboundMessage, OutboundMessage, TransportCapabilities } from '../transport/types.js';
import type { Refusal } from './rejects.js';

/**
 * What the loop does with a message a stage or the egress refuses permanently (invalid input,
 * too large, a 4xx): `stop_pipeline` (the default, reference 3.1 `stage_failure_policy`)
 * acknowledges what precedes it and stops; `dead_letter` sends it to the dead-letter binding
 * and goes on, acknowledging its ingress position only once the dead letter durably took it.
 */
export type FailurePolicy = 'stop_pipeline' | 'dead_letter';

/** Headers the loop adds to a dead-lettered message (raw format), in this order. */
export const DEAD_LETTER_HEADERS = {
  /** The error code: `invalid-input`, `too-large`, `permission-denied`, ... */
  code: 'edgeplane-error-code',
  /** The error message (secrets redacted, at most 1024 characters). */
  message: 'edgeplane-error-message',
  /** Who refused it: `stage "parse"` or `egress "kafka-egress"`. */
  refusedBy: 'edgeplane-refused-by',
  /** The spec's `sha256:` hash. */
  specHash: 'edgeplane-spec-hash',
  /** The ingress adapter's name. */
  ingress: 'edgeplane-ingress',
  /** Where it came from: `InboundMessage.origin` (`file a.log line 12 byte 1024`), else its id. */
  origin: 'edgeplane-origin',
  /** `InboundMessage.id`. */
  id: 'edgeplane-ingress-id',
  /** `InboundMessage.position`, when the source has one. */
  position: 'edgeplane-ingress-position',
  /** When the loop dead-lettered it (RFC 3339). */
  at: 'edgeplane-dead-lettered-at',
} as const;

/** How dead-lettered messages are written (see `deadLetterMessage`). */
export type DeadLetterFormat = 'raw' | 'envelope';

/**
 * `raw` when the dead-letter transport carries headers and any bytes (Kafka, NATS, Redis, ...):
 * the message as refused, with `DEAD_LETTER_HEADERS` added. `envelope` otherwise (a file: no
 * headers, one line per message): one JSON object per message.
 */
export function deadLetterFormat(capabilities: TransportCapabilities): DeadLetterFormat {
  return capabilities.headers && capabilities.framing === 'message' ? 'raw' : 'envelope';
}

const MAX_ERROR_CHARS = 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(body: Uint8Array): { body: string } | { body_base64: string } {
  try {
    return { body: utf8.decode(body) };
  } catch {
    return {
      body_base64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
    };
  }
}

/** Context of one dead-lettered message. */
export interface DeadLetterContext {
  readonly format: DeadLetterFormat;
  readonly specHash: string | undefined;
  readonly ingress: string;
  readonly inbound: InboundMessage | undefined;
  readonly secrets: readonly string[];
  /** ms since the epoch. */
  readonly now: number;
}

/**
 * The message sent to the dead-letter binding for a refusal. `raw`: same body and key, its
 * headers plus `DEAD_LETTER_HEADERS`. `envelope`: a JSON object (UTF-8, no newline) with
 * `edgeplane_dead_letter: 1`, `error {code, message}`, `refused_by`, `spec_hash`, `ingress`,
 * `origin`, `id`, `position`, `dead_lettered_at`, `key`, `headers` and the body as `body` (text,
 * when it is valid UTF-8) or `body_base64`. Error texts are redacted with `secrets`.
 */
export function deadLetterMessage(refusal: Refusal, context: DeadLetterContext): OutboundMessage {
  const { inbound } = context;
  const error: EdgeplaneError = refusal.error;
  const message = redactText(error.message, context.secrets).slice(0, MAX_ERROR_CHARS);
  const origin = inbound ? (inbound.origin ?? inbound.id) : 'unknown';
  const at = new Date(context.now).toISOString();
  const m = refusal.message;
  if (context.format === 'raw') {
    const h = DEAD_LETTER_HEADERS;
    const headers: Record<string, string> = {
      ...m.headers,
      [h.code]: error.code,
      [h.message]: message,
      [h.refusedBy]: refusal.by,
      [h.specHash]: context.specHash ?? '',
      [h.ingress]: context.ingress,
      [h.origin]: origin,
      [h.id]: inbound?.id ?? '',
      [h.at]: at,
    };
    if (inbound?.position !== undefined) headers[h.position] = inbound.position;
    return { key: m.key, headers, body: m.body };
  }
  const envelope = {
    edgeplane_dead_letter: 1,
    error: { code: error.code, message },
    refused_by: refusal.by,
    spec_hash: context.specHash ?? null,
    ingress: context.ingress,
    origin,
    id: inbound?.id ?? null,
    position: inbound?.position ?? null,
    dead_lettered_at: at,
    key: m.key ?? null,
    headers: m.headers ?? {},
    ...text(m.body),
  };
  return { key: m.key, body: Buffer.from(JSON.stringify(envelope)) };
}
