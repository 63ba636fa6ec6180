// TLS against a private broker with a SASL_SSL listener (test-servers `privateKafka({ tls })`):
// what the CLI cases (apps/edgeplane/test/tls/kafka.test.ts) cannot show, a certificate problem
// that appears on a reconnection mid-run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type PrivateKafka,
  privateKafka,
  type TestPki,
  uniqueName,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../src/index.js';

let pki: TestPki;
let server: PrivateKafka;
const password = 'alice-tls';

beforeAll(async () => {
  pki = await createTestPki();
  server = await privateKafka({ saslUsers: { alice: password }, tls: { pki } });
}, 180_000);
afterAll(async () => {
  await server?.dispose();
}, 60_000);

const text = (s: string) => new TextEncoder().encode(s);
const pem = (file: string) => readFileSync(file, 'utf8').trim().replace(/\r?\n/g, '\\n');

describe('kafka TLS mid-run', () => {
  it('a broker back with a certificate of another CA: send() fails tls at once and onStateChange reports failed', async () => {
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const sink = createKafkaTransport({
      brokers: `127.0.0.1:${server.tlsPort}`,
      topic: uniqueName('ep-kafka-tls'),
      tls: true,
      tlsCaFile: pki.ca,
      tlsCertFile: pki.client.cert,
      tlsKeyFile: pki.client.key,
      saslMechanism: 'plain',
      saslUsername: 'alice',
      saslPassword: password,
    });
    try {
      await sink.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
      expect(await sink.send([{ headers: {}, body: text('before') }])).toEqual({ status: 'ok' });

      // the broker restarts presenting a certificate signed by a CA this adapter does not trust
      await server.stop();
      const props = join(server.dataDir, 'server.properties');
      writeFileSync(
        props,
        readFileSync(props, 'utf8')
          .replace(
            /^ssl\.keystore\.certificate\.chain=.*$/m,
            () => `ssl.keystore.certificate.chain=${pem(pki.serverOtherCa.cert)}`,
          )
          .replace(
            /^ssl\.keystore\.key=.*$/m,
            () => `ssl.keystore.key=${pem(pki.serverOtherCa.key)}`,
          ),
      );
      await server.start();

      const began = Date.now();
      let result = await sink.send([{ headers: {}, body: text('after') }]);
      while (result.status === 'retryable' && Date.now() - began < 20_000)
        result = await sink.send([{ headers: {}, body: text('after') }]);
      expect(result.status).toBe('failed');
      const error = (result as { error: EdgeplaneError }).error;
      expect(error.code).toBe('tls');
      expect(error.details?.option).toBe('tlsCaFile');
      expect(Date.now() - began).toBeLessThan(10_000);
      const failed = states.find(([s]) => s === 'failed');
      expect(failed?.[1]?.code).toBe('tls');
      expect(failed?.[1]?.message).toMatch(/not signed by a trusted CA.*option "tlsCaFile"/);
    } finally {
      await sink.close();
    }
  }, 180_000);
});
