import {
  CheckBudget,
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
  type EdgeplaneError,
  type TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import { offsetCheck, permissionsCheck, serverVersionCheck, streamCheck } from './check-probes.js';
import { COMPONENT, streamError } from './errors.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import { Session } from './session.js';
import { plaintextToTlsPort, type StreamTls, tlsToPlaintextPort } from './tls.js';
import type { ConnectionTarget } from './url.js';

const NO_EVENTS = { lost: () => {}, confirm: () => {}, publishError: () => {} };

/**
 * `doctor`'s checks of a RabbitMQ stream endpoint (`Transport.check`), in order: `reachable`,
 * `credentials` and `vhost` (one connection: TCP / TLS, peer properties, SASL PLAIN, open the
 * vhost; a refusal says which step), `server-version` (the `version` peer property), `stream`,
 * `consumer-offset` (ingress) and `permissions` (see check-probes.ts). Nothing is published,
 * consumed or stored, and no stream is created. Checks after a failed step are `skip`. Never
 * throws; resolves within `context.timeoutMs`, its connection closed.
 */
export async function checkRabbitmqStreams(
  o: ResolvedRabbitmqStreamsOptions,
  target: ConnectionTarget,
  tls: StreamTls,
  context: CheckContext,
): Promise<TransportCheck[]> {
  const budget = new CheckBudget(context, COMPONENT);
  const names = ['reachable', 'credentials', 'vhost', 'server-version', 'stream'];
  if (context.role === 'ingress') names.push('consumer-offset');
  names.push('permissions');
  const checks: TransportCheck[] = [];
  const skipRest = (failed: string) => [
    ...checks,
    ...names
      .filter((n) => !checks.some((c) => c.name === n))
      .map((n) => checkSkipped(n, `${failed} failed`)),
  ];
  const startedAt = performance.now();
  let session: Session;
  try {
    await tls.load();
    const cap = (ms: number) => Math.max(100, Math.min(ms, budget.leftMs));
    const capped = {
      ...o,
      connectTimeoutMs: cap(o.connectTimeoutMs),
      requestTimeoutMs: cap(o.requestTimeoutMs),
    };
    session = await budget.run(
      Session.connect(capped, target, NO_EVENTS, {
        create: false,
        verifyStream: false,
        signal: budget.signal,
        ssl: tls.ssl(),
      }),
      `connect to ${target.where}`,
    );
  } catch (error) {
    const mapped = await explain(error, target, tls, budget);
    const ms = (performance.now() - startedAt).toFixed(1);
    const answered = `${target.where} answered the stream handshake in ${ms} ms`;
    if (mapped.code === 'unauthenticated') {
      checks.push(checkResult('reachable', 'ok', answered, { startedAt }));
      checks.push(checkFailed('credentials', mapped, COMPONENT));
      return skipRest('credentials');
    }
    if (mapped.code === 'permission-denied') {
      checks.push(checkResult('reachable', 'ok', answered, { startedAt }));
      checks.push(checkResult('credentials', 'ok', `user "${target.username}" accepted`));
      checks.push(checkFailed('vhost', mapped, COMPONENT));
      return skipRest('vhost');
    }
    checks.push(checkFailed('reachable', mapped, COMPONENT, { startedAt }));
    return skipRest('reachable');
  }
  try {
    const ms = (performance.now() - startedAt).toFixed(1);
    checks.push(
      checkResult('reachable', 'ok', `${target.where} took the connection in ${ms} ms`, {
        startedAt,
      }),
    );
    checks.push(checkResult('credentials', 'ok', `user "${target.username}" accepted`));
    checks.push(checkResult('vhost', 'ok', `vhost "${target.vhost}" opened`));
    checks.push(serverVersionCheck(session.serverVersion));
    const stream = await streamCheck(session, o, budget);
    checks.push(stream.check);
    if (stream.check.status === 'fail') return skipRest('stream');
    if (context.role === 'ingress')
      checks.push(await offsetCheck(session, o, stream.exists, budget));
    checks.push(await permissionsCheck(session, o, context.role, stream.exists, budget));
    return checks;
  } catch (error) {
    // the budget spent, or the connection lost between two probes
    const next = names.find((n) => !checks.some((c) => c.name === n)) ?? 'permissions';
    checks.push(checkFailed(next, streamError(error, 'check', target.where), COMPONENT));
    return skipRest(next);
  } finally {
    await budget.settle(session.close());
  }
}

/** The connection error, mapped; a plaintext/TLS mismatch explained as `open()` does (link.ts). */
async function explain(
  error: unknown,
  target: ConnectionTarget,
  tls: StreamTls,
  budget: CheckBudget,
): Promise<EdgeplaneError> {
  const mapped = streamError(error, 'connect', target.where);
  if (!mapped.retryable || mapped.details?.errno === 'ECONNREFUSED' || budget.leftMs < 1000)
    return mapped;
  const other = await (tls.enabled
    ? tlsToPlaintextPort(target, mapped)
    : plaintextToTlsPort(target, mapped));
  return other ?? mapped;
}
