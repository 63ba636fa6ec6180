import { exchange } from './net.js';

/** Redis: `PING` must answer `+PONG` (or `-NOAUTH`, which still proves a Redis). */
export async function redisPing(host: string, port: number): Promise<string> {
  const reply = await exchange(host, port, Buffer.from('PING\r\n'), (b) => b.includes('\r\n'));
  const line = reply.toString('utf8').trim();
  if (line !== '+PONG' && !line.startsWith('-NOAUTH')) throw new Error(`unexpected reply ${line}`);
  return line;
}

/** NATS: the server speaks first with `INFO {json}`; resolves with that JSON. */
export async function natsInfo(host: string, port: number): Promise<Record<string, unknown>> {
  const reply = await exchange(host, port, undefined, (b) => b.includes('\r\n'));
  const line = reply.toString('utf8').split('\r\n')[0] ?? '';
  if (!line.startsWith('INFO ')) throw new Error(`unexpected greeting ${line.slice(0, 80)}`);
  return JSON.parse(line.slice(5)) as Record<string, unknown>;
}

/**
 * PostgreSQL: an SSLRequest (the one message a server answers before startup) must get the
 * single byte `S` or `N`.
 */
export async function postgresPing(host: string, port: number): Promise<'S' | 'N'> {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  const reply = await exchange(host, port, request, (b) => b.length >= 1);
  const answer = reply.toString('latin1', 0, 1);
  if (answer !== 'S' && answer !== 'N') throw new Error(`unexpected SSLRequest reply ${answer}`);
  return answer;
}
