// Where latency.mjs and soak.mjs observe delivery: a wrapper around the final egress transport
// (and one around the first ingress, for the time the loop receives each message).
// A transport's send() resolving `ok` is, by the transport contract, the moment the batch is
// durable (file: after its fdatasync with fsync=batch; Kafka: acks=all; Redis: the XADD reply),
// so that is when each message's latency (now − its scheduled time) is taken.
import * as hdr from 'hdr-histogram-js';
import { epochMs, stampedAt, stampedSeq } from './paced.mjs';

/** What a wrapper passes through unchanged: name, capabilities, open, close and lag. */
const passThrough = (transport) => ({
  name: transport.name,
  capabilities: transport.capabilities,
  open: (ctx) => transport.open(ctx),
  close: () => transport.close(),
  ...(transport.lag ? { lag: () => transport.lag() } : {}),
});

/**
 * Wraps `transport` (a sink); after each `ok` send calls `onDurable(seq, scheduledAtMs, nowMs)`
 * for each message of the batch. Everything else is passed through unchanged.
 */
export function observeDurable(transport, onDurable) {
  return {
    ...passThrough(transport),
    async send(batch, signal) {
      const result = await transport.send(batch, signal);
      if (result.status === 'ok') {
        const now = epochMs();
        for (const m of batch) onDurable(stampedSeq(m.body), stampedAt(m.body), now);
      }
      return result;
    },
  };
}

/**
 * Wraps `transport` (a source); when it hands over a batch, calls `onReceived(seq, nowMs)` for
 * each message: the "ingress receive" time the loop would see. Everything else passes through.
 */
export function observeReceive(transport, onReceived) {
  return {
    ...passThrough(transport),
    async *receive(options) {
      for await (const batch of transport.receive(options)) {
        const now = epochMs();
        for (const m of batch.messages) onReceived(stampedSeq(m.body), now);
        yield batch;
      }
    },
  };
}

/**
 * Tracks `count` stamped messages: an HDR histogram (hdr-histogram-js, µs, 3 significant digits)
 * of the latencies of messages numbered `warmup` and up, and which numbers arrived (duplicates
 * and losses are counted, not histogrammed twice).
 */
export function deliveryTracker(count, warmup) {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const inLoop = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const beforeLoop = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  // touched now, so that filling them in does not show as RSS growth in a soak
  const seen = new Uint8Array(count).fill(1).fill(0);
  // allocated on the first receive: a soak without observeReceive never has it
  let received;
  const t = {
    histogram,
    /** From the first ingress receive (observeReceive) to durable, µs. */
    inLoop,
    /** From the schedule to the first ingress receive (producer, file poll, broker), µs. */
    beforeLoop,
    onReceived(seq, now) {
      received ??= new Float64Array(count);
      if (seq < count && received[seq] === 0) received[seq] = now;
    },
    delivered: 0,
    duplicates: 0,
    /** Resolves once every message arrived. */
    all: undefined,
    onDurable(seq, at, now) {
      if (seq >= count || seen[seq]) {
        t.duplicates++;
        return;
      }
      seen[seq] = 1;
      t.delivered++;
      if (seq >= warmup) {
        histogram.recordValue(Math.max(1, Math.round((now - at) * 1000)));
        if (received && received[seq] > 0) {
          inLoop.recordValue(Math.max(1, Math.round((now - received[seq]) * 1000)));
          beforeLoop.recordValue(Math.max(1, Math.round((received[seq] - at) * 1000)));
        }
      }
      if (t.delivered === count) done();
    },
    /** Numbers that never arrived (first `max` of them). */
    missing(max = 10) {
      const out = [];
      for (let i = 0; i < count && out.length < max; i++) if (!seen[i]) out.push(i);
      return out;
    },
    /** p50 / p90 / p99 / p99.9 / max in ms of `h` (default: schedule → durable). */
    summary(h = histogram) {
      const ms = (us) => Number((us / 1000).toFixed(2));
      const at = (p) => ms(h.getValueAtPercentile(p));
      return {
        p50: at(50),
        p90: at(90),
        p99: at(99),
        p999: at(99.9),
        max: ms(h.maxValue),
        count: h.totalCount,
      };
    },
  };
  let done;
  t.all = new Promise((resolve) => {
    done = resolve;
  });
  return t;
}
