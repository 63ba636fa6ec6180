import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { context, credential, keySet } from '../test/fixtures.js';
import { refreshKeySet, resolveTrust, verifyApproval } from './index.js';

const API_KEY = 'epk_live_s3cr3t-agent-key-0123456789';
const AGENT = 'agent-7';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1:<free port>; closed (connections included) after each test. */
async function serve(handler: Handler): Promise<{ baseUrl: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

describe('refreshKeySet against a real HTTP server', () => {
  it('200: returns the key set; sends the bearer key to the agent signing-keys path', async () => {
    const { baseUrl, seen } = await serve(json(200, keySet('cp1')));
    const result = await refreshKeySet({ baseUrl: `${baseUrl}/`, agentId: AGENT, apiKey: API_KEY });
    expect(result).toEqual({
      ok: true,
      keySet: keySet('cp1'),
      url: `${baseUrl}/api/v1/agents/agent-7/signing-keys`,
    });
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url).toBe('/api/v1/agents/agent-7/signing-keys');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  const failures: Array<[string, Handler, string, string]> = [
    ['401', json(401, { error: `bad key ${API_KEY}` }), 'unauthenticated', 'HTTP 401 Unauthorized'],
    ['403', json(403, {}), 'permission-denied', 'HTTP 403 Forbidden'],
    ['429', json(429, {}), 'unavailable', 'HTTP 429 Too Many Requests'],
    ['500', json(500, { trace: API_KEY }), 'unavailable', 'HTTP 500 Internal Server Error'],
    [
      '302',
      (_q, r) => {
        r.writeHead(302, { location: 'http://127.0.0.1:9/x' });
        r.end();
      },
      'unavailable',
      'request failed: unexpected redirect',
    ],
    [
      'a body that is not JSON',
      (_q, r) => r.end('<html>'),
      'protocol',
      'response body is not JSON',
    ],
    [
      'a body that is not a key set',
      json(200, { keys: [{ kty: 'RSA' }] }),
      'protocol',
      'invalid key set control-plane response: keys[0].kty must be "OKP" (only Ed25519 keys are supported)',
    ],
  ];
  it.each(failures)(
    '%s: a failure value, never a throw, never the API key',
    async (_n, handler, code, why) => {
      const { baseUrl } = await serve(handler);
      const result = await refreshKeySet({ baseUrl, agentId: AGENT, apiKey: API_KEY });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(code);
      expect(result.error.message).toBe(
        `[approval] signing-key refresh from ${baseUrl}/api/v1/agents/agent-7/signing-keys failed: ${why}`,
      );
      expect(
        JSON.stringify({ ...result, m: result.error.message, d: result.error.details }),
      ).not.toContain(API_KEY);
    },
  );

  it('times out when the server never answers', async () => {
    const { baseUrl } = await serve(() => {}); // accepts the request, never responds
    const started = Date.now();
    const result = await refreshKeySet({
      baseUrl,
      agentId: AGENT,
      apiKey: API_KEY,
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('timeout');
    expect(result.error.message).toMatch(/failed: no answer within 300 ms$/);
    expect(result.error.message).not.toContain(API_KEY);
  });

  it('reports a refused connection as unavailable', async () => {
    const { baseUrl } = await serve(json(200, {}));
    for (const s of servers.splice(0)) await new Promise((done) => s.close(done));
    const result = await refreshKeySet({ baseUrl, agentId: AGENT, apiKey: API_KEY });
    expect(result.ok ? '' : result.error.message).toMatch(/failed: request failed: ECONNREFUSED$/);
  });

  it('redacts the API key even when it leaks into the URL by misconfiguration', async () => {
    const { baseUrl } = await serve(json(401, {}));
    const result = await refreshKeySet({ baseUrl, agentId: API_KEY, apiKey: API_KEY });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result) + (result.ok ? '' : result.error.message)).not.toContain(API_KEY);
    expect(result.url).toBe(`${baseUrl}/api/v1/agents/[redacted]/signing-keys`);
  });
});

describe('resolveTrust', () => {
  const env = (baseUrl: string) => ({
    BYTEOR_API_BASE_URL: baseUrl,
    BYTEOR_AGENT_ID: AGENT,
    BYTEOR_AGENT_API_KEY: API_KEY,
  });

  it('refreshes first and merges the control-plane keys over the local cache', async () => {
    const { baseUrl } = await serve(json(200, keySet('cp1')));
    const trust = await resolveTrust({ localKeySet: keySet('k1'), env: env(baseUrl) });
    expect(trust).toMatchObject({
      keySource: 'control-plane+local',
      refresh: 'refreshed',
      reason:
        'refreshed 1 key(s) from the control plane and merged them over the local key cache (1 key)',
      missingVariables: [],
    });
    expect(trust.keySet.keys.map((k) => k.kid)).toEqual(['k1', 'cp1']);
    // A credential signed with a key that only the control plane knows now verifies.
    const verified = await verifyApproval(
      credential({ kid: 'cp1' }),
      context({ keySet: trust.keySet, keySource: trust.keySource }),
    );
    expect(verified.keySource).toBe('control-plane+local');
  });

  it('reports control-plane when there is no local cache', async () => {
    const { baseUrl } = await serve(json(200, keySet('cp1')));
    const trust = await resolveTrust({ localKeySet: { keys: [] }, env: env(baseUrl) });
    expect([trust.keySource, trust.reason]).toEqual([
      'control-plane',
      'refreshed 1 key(s) from the control plane',
    ]);
  });

  it.each([
    ['401', json(401, {})],
    ['500', json(500, {})],
  ])(
    'falls back to the local cache on %s, saying why, without the API key',
    async (status, handler) => {
      const { baseUrl } = await serve(handler);
      const trust = await resolveTrust({ localKeySet: keySet('k1'), env: env(baseUrl) });
      expect(trust.keySource).toBe('local-cache');
      expect(trust.refresh).toBe('failed');
      expect(trust.keySet).toEqual(keySet('k1'));
      expect(trust.reason).toMatch(
        new RegExp(`failed: HTTP ${status} .*; using the local key cache \\(1 key\\)$`),
      );
      expect(JSON.stringify(trust) + trust.reason + trust.error?.message).not.toContain(API_KEY);
      expect((await verifyApproval(credential(), context({ keySet: trust.keySet }))).kid).toBe(
        'k1',
      );
    },
  );

  it('falls back to the local cache on a timeout', async () => {
    const { baseUrl } = await serve(() => {});
    const trust = await resolveTrust({
      localKeySet: keySet('k1'),
      env: env(baseUrl),
      timeoutMs: 200,
    });
    expect([trust.keySource, trust.refresh, trust.error?.code]).toEqual([
      'local-cache',
      'failed',
      'timeout',
    ]);
    expect(trust.reason).toMatch(/no answer within 200 ms; using the local key cache \(1 key\)$/);
  });

  it('does nothing remote when no variable is set', async () => {
    const trust = await resolveTrust({ localKeySet: keySet('k1'), env: {} });
    expect(trust).toEqual({
      keySet: keySet('k1'),
      keySource: 'local-cache',
      refresh: 'not-configured',
      reason: 'control-plane refresh not configured; using the local key cache (1 key)',
      missingVariables: ['BYTEOR_API_BASE_URL', 'BYTEOR_AGENT_ID', 'BYTEOR_AGENT_API_KEY'],
    });
  });

  it('names the missing variables when only some are set (empty counts as unset)', async () => {
    const trust = await resolveTrust({
      localKeySet: keySet('k1', 'k2'),
      env: {
        BYTEOR_API_BASE_URL: 'http://127.0.0.1:9',
        BYTEOR_AGENT_ID: '',
        BYTEOR_AGENT_API_KEY: API_KEY,
      },
    });
    expect(trust.refresh).toBe('partially-configured');
    expect(trust.missingVariables).toEqual(['BYTEOR_AGENT_ID']);
    expect(trust.reason).toBe(
      'control-plane refresh skipped: BYTEOR_AGENT_ID not set; using the local key cache (2 keys)',
    );
  });
});
