// Where latency.mjs and soak.mjs observe delivery: a wrapper around the final egress transport.
// A transport's send() resolving `ok` is, by the transport contract, the moment the batch is
// durable (file: after its fdatasync with fsync=batch; Kafka: acks=all; Redis: the XADD reply),
// so that is when each message's latency (now − its scheduled time) is taken.
import * as hdr from 'hdr-histogram-js';
import { epochMs, stampedAt, stampedSeq } from './paced.mjs';

/**
 * Wraps `transport` (a sink); after each `ok` send calls `onDurable(seq, scheduledAtMs, nowMs)`
 * for each message of the batch. Everything else is passed through unchanged.
 */
export function observeDurable(transport, onDurable) {
  return {
    name: transport.name,
    capabilities: transport.capabilities,
    open: (ctx) => transport.open(ctx),
    close: () => transport.close(),
    ...(transport.lag ? { lag: () => transport.lag() } : {}),
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
  const seen = new Uint8Array(count);
  const t = {
    histogram,
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
      if (seq >= warmup) histogram.recordValue(Math.max(1, Math.round((now - at) * 1000)));
      if (t.delivered === count) done();
    },
    /** Numbers that never arrived (first `max` of them). */
    missing(max = 10) {
      const out = [];
      for (let i = 0; i < count && out.length < max; i++) if (!seen[i]) out.push(i);
      return out;
    },
    /** p50 / p90 / p99 / p99.9 / max in ms. */
    summary() {
      const ms = (us) => Number((us / 1000).toFixed(2));
      const at = (p) => ms(histogram.getValueAtPercentile(p));
      return {
        p50: at(50),
        p90: at(90),
        p99: at(99),
        p999: at(99.9),
        max: ms(histogram.maxValue),
        count: histogram.totalCount,
      };
    },
  };
  let done;
  t.all = new Promise((resolve) => {
    done = resolve;
  });
  return t;
}
