import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import {
  CheckBudget,
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
  EdgeplaneError,
  type TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import { permissionsResult, readProbe, scratchProbe } from './check-probes.js';
import { S3Connection } from './client.js';
import { COMPONENT } from './errors.js';
import type { ResolvedS3Options } from './options.js';

const NAMES = ['reachable', 'credentials', 'bucket', 'permissions'] as const;

/** Which check a failed listing fails: the endpoint, the signature, or the bucket. */
export function failedStep(error: EdgeplaneError): (typeof NAMES)[number] {
  if (error.code === 'unauthenticated') return 'credentials';
  if (error.code === 'not-found') return 'bucket';
  if (error.code === 'permission-denied') return 'permissions';
  if (error.code === 'invalid-config') {
    const option = error.details?.option;
    // a wrong region or bucket name is the bucket's; a skewed clock spoils the signature
    return option === 'region' || option === 'bucket' ? 'bucket' : 'credentials';
  }
  return 'reachable'; // unavailable, timeout, tls, an answer that is not S3's
}

/**
 * `doctor`'s checks of an S3 endpoint (`Transport.check`), with a connection of its own:
 * - `reachable`, `credentials`, `bucket`: the one `ListObjectsV2` (1 key under `prefix`) that
 *   `open()` makes too (`S3Connection.check`): its answer, or which step refused it;
 * - `permissions`: ingress: that listing, and GetObject of 1 byte of the key it found; with
 *   `afterAck=delete`, DeleteObject of a scratch key that does not exist; with `afterAck=move`, a
 *   scratch object put and deleted under `moveToPrefix`. Egress: a scratch object
 *   (`<prefix>.edgeplane-doctor-<random>`, see `scratchKey`) put and deleted under `prefix`.
 * No real object is read past 1 byte, written, moved or deleted. Checks after a failed step are
 * `skip`. Never throws; resolves within `context.timeoutMs`.
 */
export async function checkS3(
  o: ResolvedS3Options,
  context: CheckContext,
): Promise<TransportCheck[]> {
  const budget = new CheckBudget(context, COMPONENT);
  const checks: TransportCheck[] = [];
  const skipRest = (failed: string) => [
    ...checks,
    ...NAMES.filter((n) => !checks.some((c) => c.name === n)).map((n) =>
      checkSkipped(n, `${failed} failed`),
    ),
  ];
  const cap = (ms: number) => Math.max(100, Math.min(ms, budget.leftMs));
  const conn = new S3Connection({
    ...o,
    connectTimeoutMs: cap(o.connectTimeoutMs),
    requestTimeoutMs: cap(o.requestTimeoutMs),
  });
  const where = conn.server.label;
  const startedAt = performance.now();
  try {
    let listing: ListObjectsV2CommandOutput | undefined;
    let failed: EdgeplaneError | undefined;
    try {
      listing = await budget.run(
        conn.check(context.role, budget.signal),
        `list bucket "${o.bucket}" on ${where}`,
      );
    } catch (error) {
      failed = EdgeplaneError.from(error, COMPONENT);
    }
    const step = failed ? failedStep(failed) : undefined;
    const ms = (performance.now() - startedAt).toFixed(1);
    if (step === 'reachable') {
      checks.push(checkFailed('reachable', failed, COMPONENT, { startedAt }));
      return skipRest('reachable');
    }
    checks.push(
      checkResult('reachable', 'ok', `${where} answered ListObjectsV2 in ${ms} ms`, { startedAt }),
    );
    if (step === 'credentials') {
      checks.push(checkFailed('credentials', failed, COMPONENT));
      return skipRest('credentials');
    }
    const from = o.accessKeyId ? '`accessKeyId` / `secretAccessKey`' : 'the AWS credential chain';
    checks.push(checkResult('credentials', 'ok', `request signature accepted (keys from ${from})`));
    if (step === 'bucket') {
      checks.push(checkFailed('bucket', failed, COMPONENT));
      return skipRest('bucket');
    }
    const probesAt = performance.now();
    const probes =
      context.role === 'egress'
        ? [await scratchProbe(conn, o.prefix, true, budget)]
        : failed
          ? [{ error: failed }]
          : [
              await readProbe(conn, listing as ListObjectsV2CommandOutput, budget),
              ...(o.afterAck === 'delete'
                ? [await scratchProbe(conn, o.prefix, false, budget)]
                : []),
              ...(o.afterAck === 'move' && o.moveToPrefix !== undefined
                ? [await scratchProbe(conn, o.moveToPrefix, true, budget)]
                : []),
            ];
    const bucket = `bucket "${o.bucket}"`;
    const refusal = probes.find((p) => 'error' in p);
    const refused = refusal && 'error' in refusal ? refusal.error : undefined;
    if (listing) checks.push(checkResult('bucket', 'ok', `${bucket} exists`));
    else if (refused?.code === 'not-found') {
      // the listing was denied, the write probe found no bucket
      checks.push(checkFailed('bucket', refused, COMPONENT));
      return skipRest('bucket');
    } else if (context.role === 'egress' && !refused)
      checks.push(
        checkResult(
          'bucket',
          'ok',
          `${bucket} exists (listing it is denied; the write probe reached it)`,
        ),
      );
    else
      checks.push(
        checkResult('bucket', 'warn', `${bucket} not confirmed: listing it is denied`, {
          fix: 'grant s3:ListBucket on the bucket to let doctor (and an ingress) see it',
        }),
      );
    checks.push(permissionsResult(probes, probesAt));
    return checks;
  } finally {
    conn.close();
  }
}
