// Shared by the Kafka bench case scripts: arguments, the one JSON result line, topic names.
import { parseArgs } from 'node:util';

/** The case scripts' common flags, plus `extra` (parseArgs option specs). */
export function caseArgs(extra = {}) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      brokers: { type: 'string' },
      messages: { type: 'string', default: '1000000' },
      bytes: { type: 'string', default: '100' },
      partitions: { type: 'string', default: '1' },
      batch: { type: 'string', default: '1024' },
      inflight: { type: 'string', default: '4' },
      topic: { type: 'string' },
      out: { type: 'string' },
      ...extra,
    },
  });
  if (!values.brokers) throw new Error('--brokers=host:port is required');
  return {
    op: positionals[0] ?? 'produce',
    brokers: values.brokers.split(','),
    messages: Number(values.messages),
    bytes: Number(values.bytes),
    partitions: Number(values.partitions),
    batch: Number(values.batch),
    inflight: Number(values.inflight),
    topic: values.topic,
    out: values.out,
    values,
  };
}

/** A stopwatch over wall time and this process's CPU time. */
export function stopwatch() {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
}

/** Prints the case's one result line (the orchestrator reads the last `{` line of stdout). */
export function report(fields, measured) {
  const { seconds, cpuSeconds } = measured;
  const messages = fields.messages;
  console.log(
    JSON.stringify({
      ...fields,
      node: process.version,
      seconds: Number(seconds.toFixed(3)),
      msgPerSec: Math.round(messages / seconds),
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
    }),
  );
}

/** A unique topic or group name for this process. */
export function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${process.pid}`;
}
