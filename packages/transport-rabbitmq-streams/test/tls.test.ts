// TLS at the library level, against a private RabbitMQ node with a stream TLS listener (mutual
// TLS) started by test-servers `privateRabbitmqTls`: a round trip whose publisher and consumer
// connections go to the TLS port the broker advertises, and a certificate problem that appears on
// a reconnection mid-run: permanent, reported as `failed`, no retry loop.
import type {
  ConnectionState,
  EdgeplaneError,
  InboundBatch,
  Transport,
} from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type PrivateRabbitmqTls,
  privateRabbitmqTls,
  type TestPki,
  type TlsProxy,
  tlsProxy,
} from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRabbitmqStreamsTransport,
  type RabbitmqStreamsTransportOptions,
} from '../src/index.js';

let pki: TestPki;
let node: PrivateRabbitmqTls;
const opened: Transport[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  node = await privateRabbitmqTls({ pki, username: 'tls-user', password: 'tls-user-pw' });
}, 120_000);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
  for (const close of closers.splice(0)) await close();
});
afterAll(() => node?.dispose());

const tlsFiles = () => ({
  tlsCaFile: pki.ca,
  tlsCertFile: pki.client.cert,
  tlsKeyFile: pki.clientKeyEncrypted,
  tlsKeyPassphrase: pki.passphrase,
});

function transport(options: Partial<RabbitmqStreamsTransportOptions> & { stream: string }) {
  const t = createRabbitmqStreamsTransport({
    url: `rabbitmq-stream+tls://tls-user:tls-user-pw@127.0.0.1:${node.tlsPort}/`,
    reconnectMinDelayMs: 100,
    reconnectMaxDelayMs: 500,
    ...tlsFiles(),
    ...options,
  });
  opened.push(t);
  return t;
}

/**
 * A TLS endpoint in front of the node's plaintext port whose certificate can be swapped, and
 * whose connections can be cut (the transport runs with `loadBalancer: true` through it).
 */
async function switchableTls(): Promise<TlsProxy> {
  const proxy = await tlsProxy({
    target: { host: '127.0.0.1', port: node.port },
    cert: pki.server.cert,
    key: pki.server.key,
  });
  closers.push(() => proxy.close());
  return proxy;
}

async function next(it: AsyncIterator<InboundBatch>): Promise<InboundBatch> {
  const r = await it.next();
  if (r.done) throw new Error('receive() ended');
  return r.value;
}

describe('rabbitmq-streams over TLS', () => {
  it('publishes and consumes over mutual TLS, through the advertised TLS port', async () => {
    const sink = transport({ stream: 'tls-roundtrip', publisherRef: 'w' });
    await sink.open({ role: 'egress' });
    const sent = await sink.send([
      { key: 'k', headers: { h: 'v' }, body: Buffer.from('over tls') },
    ]);
    expect(sent.status).toBe('ok');
    const source = transport({ stream: 'tls-roundtrip', consumerName: 'r' });
    await source.open({ role: 'ingress' });
    const batches = source.receive?.({ signal: new AbortController().signal });
    const batch = await next((batches as AsyncIterable<InboundBatch>)[Symbol.asyncIterator]());
    expect(Buffer.from(batch.messages[0]?.body ?? []).toString()).toBe('over tls');
    expect(batch.messages[0]?.key).toBe('k');
  }, 60_000);

  it('a certificate problem on a reconnection mid-run is permanent: failed, tls, once', async () => {
    const endpoint = await switchableTls();
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const sink = transport({
      url: `rabbitmq-stream+tls://tls-user:tls-user-pw@127.0.0.1:${endpoint.port}/`,
      stream: 'tls-midrun',
      publisherRef: 'w',
      loadBalancer: true,
    });
    await sink.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
    expect((await sink.send([{ body: Buffer.from('a') }])).status).toBe('ok');
    endpoint.present(pki.serverExpired);
    endpoint.cut();
    const started = Date.now();
    for (; !states.some(([s]) => s === 'failed') && Date.now() - started < 10_000; )
      await new Promise((r) => setTimeout(r, 50));
    const failed = states.find(([s]) => s === 'failed')?.[1];
    expect(failed?.code).toBe('tls');
    expect(failed?.message).toBe(
      `[transport:rabbitmq-streams] the server's certificate has expired (127.0.0.1:${endpoint.port}); option "tlsCaFile"`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const r = await sink.send([{ body: Buffer.from('b') }]);
    expect(r.status === 'failed' && r.error.code).toBe('tls');
    const count = states.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(states.length).toBe(count);
  }, 60_000);

  it('a bad TLS file fails open() before connecting, naming the option', async () => {
    const t = transport({ stream: 'tls-badfile', publisherRef: 'w', tlsCaFile: pki.notPem });
    const e = await t.open({ role: 'egress' }).then(
      () => undefined,
      (x: EdgeplaneError) => x,
    );
    expect(e?.code).toBe('tls');
    expect(e?.details?.option).toBe('tlsCaFile');
    expect(e?.message).toBe(
      `[transport:rabbitmq-streams] option "tlsCaFile": ${pki.notPem} is not a PEM file (no "-----BEGIN" line)`,
    );
  }, 30_000);
});
