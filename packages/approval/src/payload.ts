import { z } from 'zod';
import { canonicalBytes, decodeBase64url } from './codec.js';
import { ApprovalError } from './errors.js';
import type { ApprovalPayload } from './types.js';

const NON_EMPTY = 'must be a non-empty string';
const text = z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY });
const unixSeconds = z
  .number({ error: 'must be an integer (Unix seconds)' })
  .int({ error: 'must be an integer (Unix seconds)' })
  .nonnegative({ error: 'must be an integer (Unix seconds)' });

/** zod schema of a version-1 payload; unknown extra fields are allowed and dropped. */
export const approvalPayloadV1: z.ZodType<ApprovalPayload> = z.object({
  v: z.literal(1),
  kid: text,
  org_id: text,
  project_id: text,
  environment_id: text,
  environment_posture: z.enum(['dev', 'staging', 'prod'], {
    error: 'must be "dev", "staging" or "prod"',
  }),
  spec_hash: z.string({ error: 'must be a string' }).regex(/^sha256:[0-9a-f]{64}$/, {
    error: 'must be "sha256:" followed by 64 lower-case hex digits',
  }),
  capabilities: z.array(text, { error: 'must be an array of strings' }),
  issued_at: unixSeconds,
  expires_at: unixSeconds,
  issued_by: text,
  approval_id: text,
});

/** A credential split and decoded, before its signature is checked. */
export interface DecodedCredential {
  /** The parsed payload object, exactly as sent (the signature covers its JCS form). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** RFC 8785 canonical bytes of `raw`: what the signature covers. */
  readonly canonical: Buffer;
  readonly signature: Buffer;
  readonly kid: string;
  /** The typed payload when `v` is 1; `undefined` for other versions (rejected by check 3). */
  readonly payload: ApprovalPayload | undefined;
}

function fail(detail: string, raw?: Record<string, unknown>): never {
  const kid = typeof raw?.kid === 'string' ? raw.kid : undefined;
  const approvalId = typeof raw?.approval_id === 'string' ? raw.approval_id : undefined;
  throw new ApprovalError('decode', `cannot decode credential: ${detail}`, { kid, approvalId });
}

function parseObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail('payload is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('payload is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Check 1 (`decode`). Splits `<payload>.<signature>`, decodes both parts strictly, parses the
 * payload as a JSON object, requires a 64-byte signature, a string `kid` and a `v` field. When
 * `v` is 1, every v1 field must also be present and well typed; other versions are not shaped
 * here, so that check 3 can name the unsupported version once the signature is known good.
 */
export function decodeCredential(credential: string): DecodedCredential {
  const parts = credential.trim().split('.');
  if (parts.length !== 2) {
    fail(`expected 2 dot-separated parts (<payload>.<signature>), got ${parts.length}`);
  }
  const [payloadPart = '', signaturePart = ''] = parts;
  const payloadBytes = decodeBase64url(payloadPart);
  if (!payloadBytes) fail('payload part is not base64url');
  const signature = decodeBase64url(signaturePart);
  if (!signature) fail('signature part is not base64url');
  const raw = parseObject(payloadBytes);
  if (signature.length !== 64) {
    fail(`signature is ${signature.length} bytes, an Ed25519 signature is 64`, raw);
  }
  if (typeof raw.kid !== 'string' || raw.kid === '') fail('payload field `kid` is missing', raw);
  if (!('v' in raw)) fail('payload field `v` is missing', raw);
  let canonical: Buffer;
  try {
    canonical = canonicalBytes(raw);
  } catch {
    fail('payload cannot be canonicalised (RFC 8785), e.g. it holds a lone surrogate', raw);
  }
  if (raw.v !== 1) return { raw, canonical, signature, kid: raw.kid, payload: undefined };
  const parsed = approvalPayloadV1.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => {
      const field = issue.path.map(String).join('.');
      const top = issue.path[0];
      const missing = typeof top === 'string' && raw[top] === undefined;
      return `field \`${field}\` ${missing ? 'is missing' : issue.message}`;
    });
    fail(`payload ${problems.join('; ')}`, raw);
  }
  return { raw, canonical, signature, kid: raw.kid, payload: parsed.data };
}
