import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { CheckBudget } from '@edgeplane/adapter-loop/transport';
import {
  checkFailed,
  checkResult,
  type EdgeplaneError,
  type TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import type { S3Connection } from './client.js';
import { COMPONENT, nativeCode, s3Error } from './errors.js';

/**
 * The key of doctor's scratch object under `prefix`: `<prefix>.edgeplane-doctor-<16 hex>`. It
 * sorts before the sink's `{seq}` keys (`.` before digits), so a following source that is past
 * them never lists it; it exists for the moment between its put and its delete.
 */
export function scratchKey(prefix: string): string {
  return `${prefix}.edgeplane-doctor-${randomBytes(8).toString('hex')}`;
}

/** One probe of `permissions`: what it tried, or the refusal. */
type Probe =
  | { readonly granted: string }
  | { readonly error: EdgeplaneError; readonly warn?: boolean };

/**
 * A scratch object put under `prefix` and deleted at once (`put: false`: only a DeleteObject of
 * a key that does not exist, which S3 answers 204 when allowed; a versioned bucket keeps a delete
 * marker for it). A put that worked but whose delete is refused is a `warn` naming the key left.
 */
export async function scratchProbe(
  conn: S3Connection,
  prefix: string,
  put: boolean,
  budget: CheckBudget,
): Promise<Probe> {
  const client = await conn.prepare();
  const { bucket } = conn.options;
  const key = scratchKey(prefix);
  const server = conn.server.label;
  const abortSignal = budget.signal;
  if (put) {
    try {
      const Body = 'edgeplane doctor write probe, deleted at once\n';
      await budget.run(
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body }), { abortSignal }),
        `PutObject "${key}"`,
      );
    } catch (error) {
      return { error: s3Error(error, { action: `PutObject "${key}"`, server }) };
    }
  }
  try {
    await budget.run(
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
      `DeleteObject "${key}"`,
    );
  } catch (error) {
    const mapped = s3Error(error, { action: `DeleteObject "${key}"`, server });
    return put ? { error: mapped, warn: true } : { error: mapped };
  }
  return {
    granted: put
      ? `PutObject and DeleteObject under "${prefix}"`
      : `DeleteObject under "${prefix}"`,
  };
}

/**
 * GetObject of the first byte of the key the listing found (a read that changes nothing), or a
 * note that there is nothing to read yet. An empty object answers 416 (`InvalidRange`): the read
 * was allowed.
 */
export async function readProbe(
  conn: S3Connection,
  listing: ListObjectsV2CommandOutput,
  budget: CheckBudget,
): Promise<Probe> {
  const key = listing.Contents?.[0]?.Key;
  const listed = `ListObjectsV2 under "${conn.options.prefix}"`;
  if (key === undefined) return { granted: `${listed} (no object there yet: GetObject not tried)` };
  const client = await conn.prepare();
  try {
    const answer = await budget.run(
      client.send(
        new GetObjectCommand({ Bucket: conn.options.bucket, Key: key, Range: 'bytes=0-0' }),
        {
          abortSignal: budget.signal,
        },
      ),
      `GetObject "${key}"`,
    );
    await answer.Body?.transformToByteArray().catch(() => undefined);
  } catch (error) {
    if (nativeCode(error) !== 'InvalidRange')
      return { error: s3Error(error, { action: `GetObject "${key}"`, server: conn.server.label }) };
  }
  return { granted: `${listed}, GetObject (1 byte of "${key}")` };
}

/** `permissions` from the probes run: the first refusal, else every grant. */
export function permissionsResult(probes: readonly Probe[], startedAt: number): TransportCheck {
  const granted = probes.flatMap((p) => ('granted' in p ? [p.granted] : []));
  for (const p of probes) {
    if (!('error' in p)) continue;
    if (!p.warn) return checkFailed('permissions', p.error, COMPONENT, { startedAt });
    return checkResult(
      'permissions',
      'warn',
      `PutObject granted, but the scratch object could not be deleted: ${p.error.message}`,
      {
        fix: `delete it by hand, and grant s3:DeleteObject to skip this; ${p.error.hint ?? ''}`.trim(),
        startedAt,
      },
    );
  }
  return checkResult('permissions', 'ok', `granted ${granted.join('; ')}`, { startedAt });
}
