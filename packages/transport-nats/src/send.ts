import {
  type EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import type { JetStreamClient, MsgHdrs, PubAck } from 'nats';
import { type Connection, withTimeout } from './connection.js';
import { badHeader, natsError, tooLarge } from './errors.js';
import { badHeaderName, contentId, toNatsHeaders } from './headers.js';
import type { ResolvedNatsOptions } from './options.js';

/** Header block bytes, roughly (`NATS/1.0\r\n` + `name: value\r\n` each + `\r\n`). */
function headerBytes(h: MsgHdrs | undefined): number {
  if (!h) return 0;
  let n = 12;
  for (const k of h.keys()) n += k.length + Buffer.byteLength(h.get(k)) + 4;
  return n;
}

/** The inbound id of a message that came through the loop unchanged (identity stages keep it). */
function inboundId(m: OutboundMessage): string | undefined {
  const id = (m as { readonly id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

interface Prepared {
  readonly headers: MsgHdrs | undefined;
  readonly body: Uint8Array;
}

/**
 * Checks every message of a batch (size, header names) and builds its NATS headers, before
 * anything is published: a batch is refused whole, never half-sent, for a permanent problem.
 */
function prepare(
  batch: readonly OutboundMessage[],
  o: ResolvedNatsOptions,
  maxPayload: number,
  msgIds: boolean,
): Prepared[] | EdgeplaneError {
  const out: Prepared[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i] as OutboundMessage;
    const size = m.body.byteLength;
    if (size > o.maxBodyBytes) return tooLarge(i, size, o.maxBodyBytes, '`maxBodyBytes`');
    if (m.headers) {
      for (const name in m.headers) {
        const why =
          name === o.keyHeader ? `is reserved for keys (\`keyHeader\`)` : badHeaderName(name);
        if (why) return badHeader(i, name, why);
      }
    }
    let id: string | undefined;
    if (msgIds && o.msgId !== 'off') {
      const own = inboundId(m);
      id = own ?? (o.msgId === 'auto' ? contentId(m.key, m.headers, m.body) : undefined);
      if (id !== undefined) id = o.msgIdPrefix + id;
    }
    const headers = toNatsHeaders(m.headers, m.key, o.keyHeader, id);
    const total = size + headerBytes(headers) + o.subject.length;
    if (total > maxPayload) return tooLarge(i, total, maxPayload, "the server's max_payload");
    out[i] = { headers, body: m.body };
  }
  return out;
}

/** A send failure as a result: retryable codes are `retryable`, others `failed`. */
export function failure(error: EdgeplaneError): SendResult {
  return error.retryable ? sendRetryable(error) : sendFailed(error);
}

/**
 * JetStream sink: publishes the whole batch at once (pipelined requests on one connection) and
 * resolves `ok` only when every PubAck is in. `Nats-Msg-Id` makes a retried batch (after a
 * timeout or a crash) store each message once, within the stream's duplicate window.
 */
export async function sendJetStream(
  js: JetStreamClient,
  connection: Connection,
  o: ResolvedNatsOptions,
  batch: readonly OutboundMessage[],
): Promise<SendResult> {
  if (batch.length === 0) return sendOk();
  const maxPayload = connection.nc.info?.max_payload ?? 1024 * 1024;
  const prepared = prepare(batch, o, maxPayload, true);
  if (!Array.isArray(prepared)) return sendFailed(prepared);
  const acks: Promise<PubAck>[] = new Array(prepared.length);
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as Prepared;
    acks[i] = js.publish(o.subject, p.body, {
      headers: p.headers,
      timeout: o.requestTimeoutMs,
    });
  }
  const results = await Promise.allSettled(acks);
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as PromiseSettledResult<PubAck>;
    if (r.status === 'rejected') {
      return failure(
        natsError(r.reason, `cannot publish message ${i} of the batch to ${o.subject}`),
      );
    }
  }
  return sendOk();
}

/** Core sink: publishes the batch, then a flush (PING/PONG) confirms the server has it all. */
export async function sendCore(
  connection: Connection,
  o: ResolvedNatsOptions,
  batch: readonly OutboundMessage[],
): Promise<SendResult> {
  if (batch.length === 0) return sendOk();
  const nc = connection.nc;
  const prepared = prepare(batch, o, nc.info?.max_payload ?? 1024 * 1024, false);
  if (!Array.isArray(prepared)) return sendFailed(prepared);
  try {
    for (const p of prepared) nc.publish(o.subject, p.body, { headers: p.headers });
    await withTimeout(nc.flush(), o.requestTimeoutMs);
    return sendOk();
  } catch (error) {
    return failure(natsError(error, `cannot publish to ${o.subject}`));
  }
}
