import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer } from 'node:tls';
import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { createTestPki } from '@edgeplane/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { plaintextToTlsPort } from './plaintext.js';
import { kafkaTransport } from './transport.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});
const listen = (server: Server) =>
  new Promise<number>((resolve) => {
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
const failed = new EdgeplaneError('unauthenticated', 'transport:kafka', 'cannot connect');

describe('plaintext spoken to a TLS port', () => {
  it('is told apart by a TLS probe of the bootstrap brokers, with the hint to set tls=true', async () => {
    const pki = await createTestPki();
    const port = await listen(
      createServer({ cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key) }),
    );
    const options = kafkaTransport.parseOptions({ brokers: `127.0.0.1:${port}`, topic: 't' });
    const error = (await plaintextToTlsPort(options, failed)) as EdgeplaneError;
    expect(error.code).toBe('tls');
    expect(error.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} speaks TLS.*option "tls"`));
    expect(error.hint).toMatch(/tls=true/);
  });

  it('leaves the error alone for a plaintext port, with TLS on, or for other codes', async () => {
    const port = await listen(createTcpServer((socket) => socket.end()));
    const options = kafkaTransport.parseOptions({ brokers: `127.0.0.1:${port}`, topic: 't' });
    expect(await plaintextToTlsPort(options, failed)).toBe(failed);
    const tls = kafkaTransport.parseOptions({
      brokers: `127.0.0.1:${port}`,
      topic: 't',
      tls: true,
    });
    expect(await plaintextToTlsPort(tls, failed)).toBe(failed);
    const denied = new EdgeplaneError('permission-denied', 'transport:kafka', 'no');
    expect(await plaintextToTlsPort(options, denied)).toBe(denied);
  });
});
