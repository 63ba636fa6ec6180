import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InboundBatch, InboundMessage, Transport } from '@edgeplane/adapter-loop/transport';
import { afterEach } from 'vitest';

const dirs: string[] = [];
const opened: Transport[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ep-file-test-'));
  dirs.push(dir);
  return dir;
}

/** Closes `transport` after the test. */
export function track<T extends Transport>(transport: T): T {
  opened.push(transport);
  return transport;
}

/** Text of a message body (latin1, so every byte maps to one char). */
export const bodyOf = (m: InboundMessage): string => Buffer.from(m.body).toString('latin1');

/**
 * Receives until `count` messages arrived (or the source ended), acknowledging the first `ack`.
 * Fails after `timeoutMs`.
 */
export async function collect(
  transport: Transport,
  options: { count?: number; ack?: number; from?: string; timeoutMs?: number } = {},
): Promise<{ messages: InboundMessage[]; batches: InboundBatch[] }> {
  const { count = Number.POSITIVE_INFINITY, ack = 0, from, timeoutMs = 5000 } = options;
  const messages: InboundMessage[] = [];
  const batches: InboundBatch[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const batch of transport.receive?.({ signal, from }) ?? []) {
    const before = messages.length;
    batches.push(batch);
    messages.push(...batch.messages);
    const n = Math.min(batch.messages.length, ack - before);
    if (n > 0) await batch.ack(n);
    if (messages.length >= count) break;
  }
  if (signal.aborted && messages.length < count && count !== Number.POSITIVE_INFINITY) {
    throw new Error(`timed out with ${messages.length} of ${count} messages`);
  }
  return { messages, batches };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
