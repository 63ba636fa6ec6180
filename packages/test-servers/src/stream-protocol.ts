import { exchange } from './net.js';

const PEER_PROPERTIES = 0x0011;
const RESPONSE_OK = 1;

function encodeString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/**
 * Speaks the first step of the RabbitMQ Streams protocol (PeerProperties, before any auth) to
 * host:port and returns the server's properties (`product`, `version`, `platform`, ...).
 * Proves the port speaks the stream protocol and reads the broker version without the
 * management plugin or rabbitmqctl.
 */
export async function streamPeerProperties(
  host: string,
  port: number,
  timeoutMs = 3_000,
): Promise<Record<string, string>> {
  const props = [encodeString('product'), encodeString('edgeplane-test-servers')];
  const body = Buffer.concat([Buffer.alloc(12), ...props]);
  body.writeUInt16BE(PEER_PROPERTIES, 0);
  body.writeUInt16BE(1, 2); // version
  body.writeUInt32BE(1, 4); // correlation id
  body.writeInt32BE(1, 8); // one property
  const frame = Buffer.concat([Buffer.alloc(4), body]);
  frame.writeUInt32BE(body.length, 0);
  const whole = (b: Buffer): boolean => b.length >= 4 && b.length >= 4 + b.readUInt32BE(0);
  const reply = await exchange(host, port, frame, whole, timeoutMs);
  const key = reply.readUInt16BE(4);
  const code = reply.readUInt16BE(12);
  if (key !== (PEER_PROPERTIES | 0x8000) || code !== RESPONSE_OK) {
    throw new Error(`unexpected stream protocol reply: key 0x${key.toString(16)}, code ${code}`);
  }
  const result: Record<string, string> = {};
  let at = 18;
  const count = reply.readInt32BE(14);
  const readString = (): string => {
    const length = reply.readInt16BE(at);
    const text = reply.toString('utf8', at + 2, at + 2 + Math.max(0, length));
    at += 2 + Math.max(0, length);
    return text;
  };
  for (let i = 0; i < count; i++) {
    const name = readString();
    result[name] = readString();
  }
  return result;
}
