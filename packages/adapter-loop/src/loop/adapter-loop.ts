import { EdgeplaneError } from '@edgeplane/errors';
import { Capture } from '../capture/capture.js';
import { AdapterHealth } from '../health.js';
import { redactText } from '../redact.js';
import { SingleRing } from '../ring/single-ring.js';
import { writeSnapshotFile } from '../snapshot/lane.js';
import { acquireLaneLock } from '../snapshot/lane-lock.js';
import type { LoopSnapshot, LoopState } from '../snapshot/types.js';
import { createStageResolver, type Stage, type StageMessage } from '../stages.js';
import { AckTracker } from './ack-tracker.js';
import { deadLetterFormat, deadLetterMessage } from './dead-letter.js';
import { type EgressBatch, EgressBatcher, seqOf } from './egress.js';
import { Incidents } from './incidents.js';
import { openBoth } from './open.js';
import type { Loop, LoopOptions, LoopResult, StopReason } from './options.js';
import { isMessageLevel, isolateRejects, type Refusal, refusalError } from './rejects.js';
import { everyInterval, pollLag, reportEgressBatch } from './reporting.js';
import { sendWithRetry } from './retry.js';
import { type RunFlags, runRelease, runStage, type StageCounts } from './ring-tasks.js';
import { watchStalls } from './watchdog.js';

/** After the shutdown timeout, how long outstanding acks and `close()` may still take, in ms. */
const CLOSE_GRACE_MS = 2_000;

/** The adapter loop. Use `createLoop()`; this class is not exported. */
export class AdapterLoop implements Loop {
  private readonly ring: SingleRing;
  private readonly ingress: AdapterHealth;
  private readonly egressHealth: AdapterHealth;
  /** The dead-letter binding's health, when one is configured. */
  private readonly deadLetterHealth: AdapterHealth | undefined;
  private deadLettered = 0;
  /** When the dead-letter `send()` now in progress began (ms clock), and its size. */
  private deadLetterSending: { since: number; messages: number } | undefined;
  private readonly batcher: EgressBatcher;
  private readonly tracker: AckTracker;
  private readonly incidents: Incidents;
  private readonly flags: RunFlags = { producerDone: false, halted: false };
  private readonly receiveAbort = new AbortController();
  private readonly hardAbort = new AbortController();
  /** Aborted when the shutdown timeout passes: a send in progress is abandoned, not awaited. */
  private readonly abandon = new AbortController();
  private state: LoopState = 'idle';
  private reason: StopReason = 'end-of-input';
  private failure: EdgeplaneError | undefined;
  private readonly stageCounts: StageCounts = { filtered: [], rejected: [] };
  private started = false;
  private phase: 'open' | 'run' = 'open';
  private endedAt: number | undefined;
  /** `stop()` came before the transports were open: the open is abandoned, not failed. */
  private stoppedWhileOpening = false;
  /** `stop()` was called (once is enough: the drain deadline is armed). */
  private stopRequested = false;
  /** The shutdown timeout passed: closing gets `CLOSE_GRACE_MS`, not forever. */
  private deadlinePassed = false;
  /** When the egress `send()` now in progress began (ms clock), and its size in messages. */
  private sending: { since: number; messages: number } | undefined;
  /** The opt-in capture (`options.capture`); undefined when off. */
  private readonly capture: Capture | undefined;

  constructor(private readonly options: LoopOptions) {
    const { spec, ingress, egress } = options;
    this.ring = new SingleRing(spec.capacity, spec.stages);
    const secrets = options.secrets ?? [];
    this.ingress = new AdapterHealth(
      ingress.name ?? `${ingress.transport.name}-ingress`,
      'ingress',
      ingress.transport.name,
      secrets,
      options.onAdapterFailure,
    );
    this.egressHealth = new AdapterHealth(
      egress.name ?? `${egress.transport.name}-egress`,
      'egress',
      egress.transport.name,
      secrets,
      options.onAdapterFailure,
    );
    this.deadLetterHealth = options.deadLetter
      ? new AdapterHealth(
          options.deadLetter.name ?? `${options.deadLetter.transport.name}-dead-letter`,
          'dead_letter',
          options.deadLetter.transport.name,
          secrets,
          options.onAdapterFailure,
        )
      : undefined;
    // A source with a flow-control window hands over no more until it is acked: close egress
    // batches at the window instead of lingering for messages that cannot come.
    const window = ingress.transport.capabilities.maxInFlight;
    const batch = options.batch ?? {};
    const maxMessages = Math.min(batch.maxMessages ?? 1024, window ?? Number.POSITIVE_INFINITY);
    this.batcher = new EgressBatcher({ ...batch, maxMessages }, this.ring.notifier);
    const coalesce = ingress.transport.capabilities.ordering === 'total';
    const parallel = ingress.transport.capabilities.ordering === 'none';
    this.incidents = new Incidents(options.onAdapterEvent, secrets, (error) => {
      if (this.phase === 'run') this.halt(error);
    });
    this.tracker = new AckTracker(coalesce, parallel, (error) =>
      this.ingress.fail(EdgeplaneError.from(error, `transport:${ingress.transport.name}`)),
    );
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (options.capture && options.lanePath)
      this.capture = new Capture(options.capture, secrets, {
        name: spec.name,
        hash: options.specHash ?? null,
      });
  }

  snapshot(): LoopSnapshot {
    const now = Date.now();
    return {
      v: 1,
      captured_at: new Date(now).toISOString(),
      pid: process.pid,
      spec_hash: this.options.specHash ?? null,
      spec_name: this.options.spec.name,
      mode: 'adapter_loop',
      state: this.state,
      ingress_messages: this.ingress.messageCount,
      egress_messages: this.egressHealth.messageCount,
      acked_messages: this.tracker.acked,
      dropped_messages: this.dropped(),
      dead_lettered_messages: this.deadLettered,
      adapters: [
        this.ingress.toSnapshot(now),
        this.egressHealth.toSnapshot(now),
        ...(this.deadLetterHealth ? [this.deadLetterHealth.toSnapshot(now)] : []),
      ],
      stages: this.options.spec.stages.map((s, i) => ({
        id: s.id,
        key: s.stage,
        filtered: this.stageCounts.filtered[i] ?? 0,
        rejected: this.stageCounts.rejected[i] ?? 0,
      })),
      ring: this.ring.state(),
      ended_at: this.endedAt === undefined ? null : new Date(this.endedAt).toISOString(),
      stop_reason: this.endedAt === undefined ? null : this.reason,
      error: this.failure ? redactText(this.failure.message, this.options.secrets ?? []) : null,
    };
  }

  stop(): void {
    if (this.stopRequested || this.state === 'stopped' || this.state === 'failed') return;
    this.stopRequested = true;
    // After the end of the input the loop is already draining what is left: a stop still bounds
    // that drain by shutdownTimeoutMs (an egress retrying a peer that is down would otherwise
    // hold it until its retries run out), and the run still ended at the end of its input.
    if (this.reason === 'end-of-input' && !this.flags.producerDone) this.reason = 'stopped';
    if (this.started && this.phase === 'open') {
      // Nothing is in flight yet: stop opening at once (a transport stuck in open() included).
      // A stop is not a failure: the run ends `stopped`, and nothing was moved.
      this.reason = 'stopped';
      this.stoppedWhileOpening = true;
      this.halt();
      return;
    }
    this.drainWithDeadline();
  }

  private drainWithDeadline(): void {
    if (this.state === 'running' || this.state === 'idle') this.state = 'draining';
    this.receiveAbort.abort();
    const timeout = this.options.shutdownTimeoutMs ?? 30_000;
    setTimeout(() => {
      if (this.state !== 'draining') return;
      this.deadlinePassed = true;
      this.abandon.abort();
      const detail = `drain did not finish within ${timeout} ms; unacknowledged messages will be redelivered on restart`;
      this.halt(new EdgeplaneError('timeout', 'adapter-loop', detail), 'shutdown-timeout');
    }, timeout).unref();
  }

  private halt(error?: EdgeplaneError, reason: StopReason = 'failed'): void {
    if (error && !this.failure) {
      this.failure = error;
      this.reason = reason;
    }
    this.flags.halted = true;
    this.receiveAbort.abort();
    this.hardAbort.abort();
    this.batcher.abandon(error);
    this.ring.notifier.fire();
  }

  async run(): Promise<LoopResult> {
    if (this.started)
      throw new EdgeplaneError('conflict', 'adapter-loop', 'run() was already called on this loop');
    this.started = true;
    const t0 = performance.now();
    const { lanePath } = this.options;
    let stages: Stage[] = [];
    let release: (() => Promise<void>) | undefined;
    try {
      // Stages before the lane lock: a refused stage leaves nothing behind in the lane path.
      stages = this.resolveStages();
      release = lanePath ? await acquireLaneLock(lanePath) : undefined;
    } catch (error) {
      // Not ours to write: the lane path may belong to another loop. Report, close, resolve.
      this.halt(EdgeplaneError.from(error, 'adapter-loop'));
      await this.closeAll(stages);
      this.state = 'failed';
      this.endedAt = Date.now();
      return this.result(t0);
    }
    // A lane shows this run from its start: never the previous run's document while opening.
    await this.writeSnapshot();
    const timer = this.startReporting();
    const watchdog = this.startWatchdog();
    try {
      const signal = this.hardAbort.signal;
      await openBoth(
        [
          { transport: this.options.ingress.transport, health: this.ingress },
          { transport: this.options.egress.transport, health: this.egressHealth },
          ...(this.options.deadLetter && this.deadLetterHealth
            ? [{ transport: this.options.deadLetter.transport, health: this.deadLetterHealth }]
            : []),
        ],
        lanePath,
        signal,
        () => this.failure ?? new EdgeplaneError('cancelled', 'adapter-loop', 'stopped'),
        this.incidents,
      );
      this.phase = 'run';
      // Opened: whatever went wrong while opening (a slow open, a reconnect) is over.
      this.incidents.recovered(this.ingress);
      this.incidents.recovered(this.egressHealth);
      if (this.deadLetterHealth) this.incidents.recovered(this.deadLetterHealth);
      await this.writeSnapshot();
      const guard = (p: Promise<void>): Promise<void> =>
        p.catch((e: unknown) => this.halt(EdgeplaneError.from(e, 'adapter-loop')));
      await Promise.all([
        guard(this.produce()),
        ...stages.map((stage, i) =>
          guard(runStage(this.ring, i, stage, this.flags, signal, this.stageCounts)),
        ),
        guard(runRelease(this.ring, this.batcher, this.flags)),
        guard(this.sendLoop()),
      ]);
      await this.tracker.idle();
    } catch (error) {
      if (!(this.stoppedWhileOpening && this.phase === 'open'))
        this.halt(EdgeplaneError.from(error, 'adapter-loop'));
    } finally {
      clearInterval(timer);
      clearInterval(watchdog);
      // Figures in a final snapshot are final: read the lag again while the source is open.
      if (this.phase === 'run') await pollLag(this.options.ingress.transport, this.ingress, 1000);
      await this.closeAll(stages);
      this.state = this.failure ? 'failed' : 'stopped';
      this.endedAt = Date.now();
      await this.writeSnapshot();
      await release?.();
    }
    return this.result(t0);
  }

  /** Messages dropped (filtered) by stages, in all. */
  private dropped(): number {
    let n = 0;
    for (const k of this.stageCounts.filtered) n += k ?? 0;
    return n;
  }

  private result(t0: number): LoopResult {
    return {
      state: this.failure ? 'failed' : 'stopped',
      reason: this.reason,
      ingressMessages: this.ingress.messageCount,
      egressMessages: this.egressHealth.messageCount,
      ackedMessages: this.tracker.acked,
      droppedMessages: this.dropped(),
      deadLetteredMessages: this.deadLettered,
      durationMs: performance.now() - t0,
      failedDuring: this.failure ? this.phase : undefined,
      stoppedDuring: this.reason === 'stopped' && !this.failure ? this.phase : undefined,
      error: this.failure,
      snapshot: this.snapshot(),
    };
  }

  private resolveStages(): Stage[] {
    const resolver = this.options.stages ?? createStageResolver();
    return this.options.spec.stages.map((s, index) =>
      resolver.resolve({
        key: s.stage,
        id: s.id,
        index,
        settings: this.options.stageSettings?.[s.id] ?? {},
      }),
    );
  }

  /** Producer: takes ingress batches and publishes them into the ring, gated by free slots. */
  private async produce(): Promise<void> {
    const transport = this.options.ingress.transport;
    const max = this.options.maxMessages;
    if (!transport.receive)
      throw new EdgeplaneError(
        'invalid-config',
        'adapter-loop',
        `transport "${transport.name}" cannot be an ingress (no receive)`,
      );
    let published = 0;
    try {
      if (max !== undefined && max <= 0) {
        this.reason = 'max-messages';
        return;
      }
      const batches = transport.receive({
        signal: this.receiveAbort.signal,
        maxBatchMessages: this.batcher.maxMessages,
      });
      for await (const batch of batches) {
        const messages = batch.messages;
        this.incidents.recovered(this.ingress);
        const n = max === undefined ? messages.length : Math.min(messages.length, max - published);
        if (n > 0 && this.state === 'idle') this.state = 'running';
        let i = 0;
        while (i < n) {
          if (this.flags.halted) return;
          const free = this.ring.free();
          if (free === 0) {
            await this.ring.notifier.wait();
            continue;
          }
          const k = Math.min(free, n - i);
          this.ring.publish(messages, i, i + k);
          if (this.capture) this.capture.ingress(messages, i, i + k, this.ring.cursor);
          this.ingress.messageCount += k;
          i += k;
        }
        this.tracker.add(batch, this.ring.cursor, n);
        published += n;
        if (max !== undefined && published >= max) {
          this.reason = 'max-messages';
          break;
        }
        if (this.receiveAbort.signal.aborted) break;
      }
    } catch (error) {
      // An ingress failure (an over-long line, a lost connection that gave up) is the ingress's.
      const e = EdgeplaneError.from(error, `transport:${transport.name}`);
      if (!this.flags.halted) {
        this.ingress.fail(e);
        if (!e.retryable) this.ingress.report('failed');
      }
      throw e;
    } finally {
      this.flags.producerDone = true;
      if (this.state === 'running' || this.state === 'idle') this.state = 'draining';
      this.ring.notifier.fire();
    }
  }

  /** Sender: sends closed egress batches in order, with retries; then lets acks advance. */
  private async sendLoop(): Promise<void> {
    for (;;) {
      if (this.flags.halted) return;
      const batch = this.batcher.queue.shift();
      if (batch) {
        this.ring.notifier.fire();
        if (
          (batch.messages.length > 0 || batch.rejects.length > 0) &&
          !(await this.sendBatch(batch))
        )
          return;
        this.capture?.settle(batch);
        this.tracker.advance(batch.lastSeq);
        if (this.flags.halted) return;
        // The next batch goes out only once this one's ingress acks are done: what is written but
        // not acknowledged (the duplicates after a crash) stays within one egress batch.
        await this.tracker.idle();
        continue;
      }
      if (this.batcher.finished) return;
      await this.ring.notifier.wait();
    }
  }

  /**
   * Sends one batch with retries (isolating a refused message when the transport could not say
   * which); true when every message was taken. Otherwise acknowledges what precedes the first
   * refused message, halts the loop (`stop_pipeline`) and returns false.
   */
  private async sendBatch(batch: EgressBatch): Promise<boolean> {
    const deadLetter = this.options.failurePolicy === 'dead_letter';
    // stop_pipeline: nothing after the first message a stage refused is sent (it would only be
    // a duplicate after the restart that stops at that message again).
    const firstStageReject = deadLetter ? undefined : batch.rejects[0];
    const messages = firstStageReject
      ? batch.messages.filter((_, i) => seqOf(batch, i) < firstStageReject.seq)
      : batch.messages;
    const egressRejects = messages.length > 0 ? await this.sendToEgress(batch, messages) : [];
    if (egressRejects === false) return false;
    const refusals: Refusal[] = [
      ...batch.rejects.map((r) => ({
        seq: r.seq,
        message: r.slot.message,
        error: r.slot.error,
        by: `stage "${r.slot.stage.id}"`,
      })),
      ...egressRejects,
    ].sort((a, b) => a.seq - b.seq);
    const first = refusals[0];
    if (!first) return true;
    if (deadLetter) return this.sendToDeadLetter(refusals);
    // stop_pipeline: what precedes the refused message is delivered; acknowledge it, then stop.
    this.tracker.advance(first.seq - 1);
    await this.tracker.idle();
    let before = 0;
    for (let i = 0; i < batch.messages.length; i++) if (seqOf(batch, i) < first.seq) before++;
    for (const r of batch.rejects) if (r.seq < first.seq) before++;
    const error = refusalError(first, {
      ingress: this.ingress.name,
      inbound: this.tracker.inboundAt(first.seq),
      refusals: refusals.length,
      before,
      after: batch.messages.length + batch.rejects.length - before - 1,
    });
    const health = first.egress ? this.egressHealth : this.ingress;
    if (first.egress) this.egressHealth.fail(error);
    this.incidents.emit(health, 'rejected', error.message);
    this.halt(error);
    return false;
  }

  /**
   * Sends messages of one batch to the egress with retries (isolating a refused message when
   * the transport could not say which). Resolves to the messages the egress refused permanently
   * (empty: all taken), or false when the loop halts (the batch failed as a whole, or a stop).
   */
  private async sendToEgress(
    batch: EgressBatch,
    messages: readonly StageMessage[],
  ): Promise<Refusal[] | false> {
    const transport = this.options.egress.transport;
    const t0 = performance.now();
    let attempts = 0;
    const hooks = {
      ...this.options.retry,
      signal: this.hardAbort.signal,
      abandon: this.abandon.signal,
      onRetry: (error: EdgeplaneError) => {
        if (!this.hardAbort.signal.aborted) this.egressHealth.fail(error);
      },
      onAttempt: () => {
        attempts++;
        this.sending = { since: Date.now(), messages: messages.length };
      },
      onSettled: () => {
        this.sending = undefined;
      },
    };
    let result = await sendWithRetry(transport, messages, hooks);
    if (isMessageLevel(result, messages.length) && !this.flags.halted)
      result = await isolateRejects(transport, messages, hooks);
    this.reportBatch(messages, performance.now() - t0, attempts, result.status === 'ok');
    if (result.status === 'ok') {
      // Taken durably: count it and let its acks go out, even when the loop is halting.
      this.egressHealth.messageCount += messages.length;
      this.capture?.egress(batch, messages);
      this.incidents.recovered(this.egressHealth);
      return [];
    }
    if (this.flags.halted) return false;
    if (result.status !== 'partial') {
      this.egressHealth.fail(result.error);
      this.halt(result.error);
      return false;
    }
    this.egressHealth.messageCount += messages.length - result.rejected.length;
    this.capture?.egress(batch, messages, result.rejected);
    return result.rejected.map((r) => ({
      seq: seqOf(batch, r.index),
      message: messages[r.index] as StageMessage,
      error: r.error,
      by: `egress "${this.egressHealth.name}"`,
      egress: this.egressHealth.name,
    }));
  }

  /**
   * dead_letter: sends the refused messages of a batch to the dead-letter binding, with
   * retries, as one batch in ring order. True when it took them all (the batch's acks may go
   * out); otherwise acknowledges what precedes the first refusal, stops the loop and returns false.
   */
  private async sendToDeadLetter(refusals: readonly Refusal[]): Promise<boolean> {
    const binding = this.options.deadLetter;
    const health = this.deadLetterHealth;
    const first = refusals[0];
    if (!binding || !health || !first) return refusals.length === 0;
    const format = deadLetterFormat(binding.transport.capabilities);
    const now = Date.now();
    const context = {
      format,
      specHash: this.options.specHash,
      ingress: this.ingress.name,
      secrets: this.options.secrets ?? [],
      now,
    };
    const messages = refusals.map((r) =>
      deadLetterMessage(r, { ...context, inbound: this.tracker.inboundAt(r.seq) }),
    );
    const result = await sendWithRetry(binding.transport, messages, {
      ...this.options.retry,
      signal: this.hardAbort.signal,
      abandon: this.abandon.signal,
      onRetry: (error: EdgeplaneError) => {
        if (!this.hardAbort.signal.aborted) health.fail(error);
      },
      onAttempt: () => {
        this.deadLetterSending = { since: Date.now(), messages: messages.length };
      },
      onSettled: () => {
        this.deadLetterSending = undefined;
      },
    });
    if (result.status === 'ok') {
      health.messageCount += messages.length;
      this.deadLettered += messages.length;
      this.incidents.recovered(health);
      const where = this.tracker.inboundAt(first.seq);
      const origin = where ? (where.origin ?? where.id) : 'an unknown position';
      this.incidents.emit(
        health,
        'dead_lettered',
        `${messages.length} refused message(s) of an egress batch went to the dead letter (${this.deadLettered} in all); the first: ${first.by} refused the message from ${origin}: ${first.error.message}`,
      );
      return true;
    }
    if (this.flags.halted) return false;
    // The dead letter refused them too, or gave up: nothing after the first refusal is acked.
    this.tracker.advance(first.seq - 1);
    await this.tracker.idle();
    const cause = result.status === 'partial' ? result.rejected[0]?.error : result.error;
    const error = new EdgeplaneError(
      cause?.code ?? 'internal',
      'adapter-loop',
      `dead letter "${health.name}" did not take ${messages.length} refused message(s): ${cause?.message ?? 'unknown error'}; ` +
        `the first was refused by ${first.by}: ${first.error.message}; nothing from it on was acknowledged: it comes back on restart`,
      {
        cause,
        details: { dead_letter: health.name, refused_by: first.by, reason: first.error.code },
        hint: cause?.hint ?? 'fix the dead-letter binding (dead_letter.* in the adapter config)',
      },
    );
    health.fail(error);
    this.halt(error);
    return false;
  }

  private startWatchdog(): NodeJS.Timeout {
    // An open that hangs (a server that accepts the connection and answers nothing) is work
    // outstanding too: without this, the run would sit in `connecting` with /healthz 200.
    const { ingress, egress } = this.options;
    return watchStalls(
      [
        {
          health: this.egressHealth,
          since: () => this.sending?.since ?? this.egressHealth.openingSince,
          describe: () =>
            this.sending
              ? `send of ${this.sending.messages} message(s) to ${egress.transport.name}`
              : `open of ${egress.transport.name}`,
        },
        ...(this.deadLetterHealth
          ? [
              {
                health: this.deadLetterHealth,
                since: () => this.deadLetterSending?.since ?? this.deadLetterHealth?.openingSince,
                describe: () =>
                  this.deadLetterSending
                    ? `send of ${this.deadLetterSending.messages} message(s) to the dead letter`
                    : 'open of the dead letter',
              },
            ]
          : []),
        {
          health: this.ingress,
          since: () => this.tracker.busySince ?? this.ingress.openingSince,
          describe: () =>
            this.phase === 'open'
              ? `open of ${ingress.transport.name}`
              : `acknowledgement to ${ingress.transport.name}`,
        },
      ],
      this.options.stallAfterMs ?? 30_000,
      (health, stalled, message) =>
        this.incidents.emit(health, stalled ? 'stall' : 'state', message, health.state),
    );
  }

  private reportBatch(
    messages: readonly { body: Uint8Array; bodyLength?: number | undefined }[],
    latencyMs: number,
    attempts: number,
    ok: boolean,
  ): void {
    reportEgressBatch(this.options.onEgressBatch, messages, latencyMs, attempts, ok);
  }

  private startReporting(): NodeJS.Timeout {
    const every = this.options.snapshotIntervalMs ?? 1000;
    const poll = () =>
      this.phase === 'run'
        ? pollLag(this.options.ingress.transport, this.ingress, every)
        : Promise.resolve();
    return everyInterval(every, () => poll().then(() => this.writeSnapshot()));
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.options.lanePath) return;
    await writeSnapshotFile(this.options.lanePath, this.snapshot()).catch(() => undefined);
    await this.capture?.write(this.options.lanePath);
  }

  private async closeAll(stages: readonly Stage[]): Promise<void> {
    const { ingress, egress } = this.options;
    // Past the shutdown timeout, a hung acknowledgement or close() gets a short grace, not
    // forever: what is not acknowledged is redelivered on restart.
    const bounded = <T>(p: Promise<T>) =>
      this.deadlinePassed
        ? Promise.race([p, new Promise<void>((r) => setTimeout(r, CLOSE_GRACE_MS).unref())])
        : p;
    await bounded(this.tracker.idle());
    this.incidents.closing = true;
    await bounded(
      Promise.allSettled([
        ingress.transport.close(),
        egress.transport.close(),
        this.options.deadLetter?.transport.close(),
        ...stages.map((s) => s.close?.()),
      ]),
    );
    if (this.ingress.state !== 'failed') this.ingress.state = 'closed';
    if (this.egressHealth.state !== 'failed') this.egressHealth.state = 'closed';
    if (this.deadLetterHealth && this.deadLetterHealth.state !== 'failed')
      this.deadLetterHealth.state = 'closed';
  }
}
