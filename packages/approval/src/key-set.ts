import { EdgeplaneError, INPUT_LIMITS, printable, readInputFile } from '@edgeplane/errors';
import { z } from 'zod';
import { decodeBase64url } from './codec.js';
import { COMPONENT } from './errors.js';
import type { Ed25519PublicJwk, JwkSet } from './types.js';

const KEY_SET_HINT =
  'a key set is a JWK Set (RFC 7517): {"keys":[{"kty":"OKP","crv":"Ed25519","x":"...","kid":"...","alg":"EdDSA"}]}';

const publicJwkSchema = z.object({
  kty: z.literal('OKP', { error: 'must be "OKP" (only Ed25519 keys are supported)' }),
  crv: z.literal('Ed25519', { error: 'must be "Ed25519"' }),
  x: z.string({ error: 'must be a string' }).refine((x) => decodeBase64url(x)?.length === 32, {
    error: 'must be a 32-byte Ed25519 public key in base64url',
  }),
  kid: z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string'),
  alg: z.enum(['EdDSA', 'Ed25519'], { error: 'must be "EdDSA" when present' }).optional(),
  use: z.literal('sig', { error: 'must be "sig" when present' }).optional(),
  d: z.never({ error: 'is private key material: a trust set holds public keys only' }).optional(),
});

const keySetSchema = z
  .object(
    { keys: z.array(publicJwkSchema, { error: 'must be an array of JWKs' }) },
    { error: 'must be a JSON object with a `keys` array' },
  )
  .superRefine((set, ctx) => {
    const seen = new Map<string, number>();
    set.keys.forEach((key, index) => {
      const first = seen.get(key.kid);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', index, 'kid'],
          message: `duplicates kid "${printable(key.kid)}" of keys[${first}]`,
        });
      } else seen.set(key.kid, index);
    });
  });

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function normalize(key: z.output<typeof publicJwkSchema>): Ed25519PublicJwk {
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x: key.x,
    kid: key.kid,
    ...(key.alg ? { alg: key.alg } : {}),
    ...(key.use ? { use: key.use } : {}),
  };
}

/**
 * Validates a parsed JWK Set. `source` names it in errors (a file path, "control-plane response").
 * Unknown JWK members are dropped. Throws `EdgeplaneError` `invalid-config` naming the source and
 * the first bad key index and field, e.g. `invalid key set keys.json: keys[1].crv must be "Ed25519"`.
 */
export function parseKeySet(value: unknown, source: string): JwkSet {
  const parsed = keySetSchema.safeParse(value);
  if (parsed.success) return { keys: parsed.data.keys.map(normalize) };
  const issue = parsed.error.issues[0];
  const where = formatPath(issue?.path ?? []);
  const detail = `invalid key set ${source}: ${where ? `${where} ` : 'the document '}${issue?.message}`;
  throw new EdgeplaneError('invalid-config', COMPONENT, detail, {
    details: { file: source, path: where || null },
    hint: KEY_SET_HINT,
  });
}

/**
 * Reads and validates a `signing_keys.json`-style JWK Set file: a regular file (never a device,
 * FIFO or directory) of at most 256 KiB (`INPUT_LIMITS.credential`). `from` names where the path
 * came from in the hint (default `` `--approval-key-set=` ``).
 * Throws `EdgeplaneError` `not-found` when the file does not exist, `permission-denied` when it
 * cannot be read, `invalid-config` when it is not a regular file, too large, not JSON or not a
 * valid set (see `parseKeySet`).
 */
export async function loadKeySet(
  path: string,
  options: { readonly from?: string } = {},
): Promise<JwkSet> {
  const bytes = await readInputFile(path, {
    what: 'key set',
    maxBytes: INPUT_LIMITS.credential,
    component: COMPONENT,
    from: options.from ?? '`--approval-key-set=`',
  });
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text; a mistaken path could point at a secret, so don't.
    throw new EdgeplaneError(
      'invalid-config',
      COMPONENT,
      `invalid key set ${path}: not valid JSON`,
      {
        details: { file: path, path: null },
        hint: KEY_SET_HINT,
      },
    );
  }
  return parseKeySet(json, path);
}

/**
 * Merges key sets left to right: each later set adds its keys, and a key whose `kid` is already
 * present replaces the earlier one in place (decision 6: `--approval-key-set=` extends or
 * overrides the local trust cache). Pure; the inputs are not modified.
 */
export function mergeKeySets(base: JwkSet, ...extra: readonly JwkSet[]): JwkSet {
  const byKid = new Map<string, Ed25519PublicJwk>();
  for (const set of [base, ...extra]) for (const key of set.keys) byKid.set(key.kid, key);
  return { keys: [...byKid.values()] };
}

/** The empty key set: nothing is trusted. */
export const EMPTY_KEY_SET: JwkSet = { keys: [] };
