import { createLoop, createStageResolver, type Stage } from '@edgeplane/adapter-loop';
import { isEdgeplaneError } from '@edgeplane/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  factoryContext,
  type HookServer,
  ListSink,
  ListSource,
  msg,
  stageContext,
  startHookServer,
} from '../test/fixtures.js';
import { type ActionRecord, type ActionStage, actionStageFactories } from './index.js';

let hook: HookServer;
beforeEach(async () => {
  hook = await startHookServer();
});
afterEach(() => hook.close());

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    BYTEOR_HTTP_POST_ALLOWLIST: `${hook.url}/hooks/`,
    BYTEOR_ACTION_RETRY_BASE_MS: '5',
    ...extra,
  };
}

function stage(path = '/hooks/a', extra: Record<string, string> = {}, dryRun = false): ActionStage {
  const factory = actionStageFactories(env(extra), { dryRun })['http_post:'];
  return factory?.(factoryContext(`http_post:${hook.url}${path}`)) as ActionStage;
}

async function failure(promise: unknown): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('http_post: delivery', () => {
  it('POSTs every message, in order, with exactly its bytes (binary too), and forwards the input', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(300_000, 0xa5);
    const view = Buffer.from('xxHELLOxx').subarray(2, 7); // a view with a byte offset
    const messages = [
      msg('first line\n'),
      msg(all),
      msg(new Uint8Array(0)),
      msg(view),
      msg(big),
      msg('ünïcödé'),
    ];
    const s = stage();
    expect([s.key, s.capability, s.dryRun]).toEqual([
      `http_post:${hook.url}/hooks/a`,
      'http_post',
      false,
    ]);
    const out = await s.process(messages, stageContext());
    expect(out).toBe(messages);
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64'); // fast exact compare
    expect(hook.received.map((r) => b64(r.body))).toEqual(messages.map((m) => b64(m.body)));
    expect(hook.received[3]?.body.toString()).toBe('HELLO');
    expect(new Set(hook.received.map((r) => r.path))).toEqual(new Set(['/hooks/a']));
    expect(hook.received[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(s.counts()).toEqual({ executed: 6, dryRun: 0, retries: 0, failed: 0 });
  });

  it('retries 5xx and 429, then succeeds', async () => {
    hook.answer((n) => (n === 0 ? { status: 503 } : n === 1 ? { status: 429 } : { status: 200 }));
    const s = stage();
    await s.process([msg('x')], stageContext());
    expect(hook.received.map((r) => r.body.toString())).toEqual(['x', 'x', 'x']);
    expect(s.counts()).toMatchObject({ executed: 1, retries: 2 });
  });

  it('throws after BYTEOR_ACTION_MAX_RETRIES retries, naming the URL, the status and the stage', async () => {
    hook.answer(() => ({ status: 502 }));
    const s = stage('/hooks/a', { BYTEOR_ACTION_MAX_RETRIES: '2' });
    const error = await failure(s.process([msg('x')], stageContext()));
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      'unavailable',
      `[stage:http_post] POST ${hook.url}/hooks/a answered HTTP 502 after 3 attempts (stage 1, id "act")`,
    ]);
    expect(hook.received).toHaveLength(3);
    expect(s.counts()).toMatchObject({ executed: 0, retries: 2, failed: 1 });
  });

  it.each([
    [400, 'invalid-input'],
    [401, 'unauthenticated'],
    [404, 'not-found'],
    [413, 'too-large'],
  ])('a permanent failure (%i) throws at once, code %s', async (status, code) => {
    hook.answer(() => ({ status }));
    const error = await failure(stage().process([msg('a'), msg('b')], stageContext()));
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      code,
      `[stage:http_post] POST ${hook.url}/hooks/a answered HTTP ${status} (stage 1, id "act")`,
    ]);
    expect(hook.received).toHaveLength(1); // no retry, and b is never sent
  });

  it('does not follow redirects (they could leave the allow-list)', async () => {
    hook.answer((_, req) =>
      req.path === '/hooks/a'
        ? { status: 307, headers: { location: '/elsewhere' } }
        : { status: 200 },
    );
    const error = await failure(stage().process([msg('x')], stageContext()));
    expect(error.message).toContain('answered HTTP 307 (redirects are not followed)');
    expect(hook.received.map((r) => r.path)).toEqual(['/hooks/a']);
  });

  it('times out per BYTEOR_HTTP_POST_TIMEOUT and retries the time-out', async () => {
    hook.answer(() => 'hang');
    const s = stage('/hooks/a', {
      BYTEOR_HTTP_POST_TIMEOUT: '150ms',
      BYTEOR_ACTION_MAX_RETRIES: '1',
    });
    const t0 = performance.now();
    const error = await failure(s.process([msg('x')], stageContext()));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(isEdgeplaneError(error) && [error.code, error.message]).toEqual([
      'timeout',
      `[stage:http_post] POST ${hook.url}/hooks/a timed out after 150 ms (BYTEOR_HTTP_POST_TIMEOUT) after 2 attempts (stage 1, id "act")`,
    ]);
  });

  it('retries a refused connection, then gives up with unavailable', async () => {
    const closed = await startHookServer();
    await closed.close();
    const factory = actionStageFactories({
      ...env(),
      BYTEOR_HTTP_POST_ALLOWLIST: closed.url,
      BYTEOR_ACTION_MAX_RETRIES: '1',
    })['http_post:'];
    const s = factory?.(factoryContext(`http_post:${closed.url}/x`)) as Stage;
    const error = await failure(s.process([msg('x')], stageContext()));
    expect(error.message).toBe(
      `[stage:http_post] POST ${closed.url}/x failed: ECONNREFUSED after 2 attempts (stage 1, id "act")`,
    );
  });

  it('stops promptly with cancelled when the loop aborts during a backoff', async () => {
    hook.answer(() => ({ status: 503 }));
    const s = stage('/hooks/a', { BYTEOR_ACTION_RETRY_BASE_MS: '10000' });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const t0 = performance.now();
    const error = await failure(s.process([msg('x')], stageContext(abort.signal)));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(isEdgeplaneError(error) && error.code).toBe('cancelled');
  });
});

describe('http_post: resolve-time checks', () => {
  const resolve = (key: string, list?: string) =>
    createStageResolver(
      actionStageFactories({ BYTEOR_HTTP_POST_ALLOWLIST: list ?? `${hook.url}/hooks/` }),
    ).resolve(factoryContext(key));

  it('refuses a URL outside the allow-list with permission-denied, naming the URL and the variable', () => {
    expect(() => resolve(`http_post:${hook.url}/admin`)).toThrow(
      `[stage:http_post] ${hook.url}/admin is not allowed by BYTEOR_HTTP_POST_ALLOWLIST (stage 1, id "act") (allowed prefixes: ${hook.url}/hooks/)`,
    );
    try {
      resolve(`http_post:${hook.url}/admin`);
    } catch (error) {
      expect(isEdgeplaneError(error) && [error.code, error.details?.variable]).toEqual([
        'permission-denied',
        'BYTEOR_HTTP_POST_ALLOWLIST',
      ]);
    }
  });

  it('an empty allow-list allows nothing', () => {
    expect(() => resolve(`http_post:${hook.url}/hooks/a`, ' , ')).toThrow(
      'BYTEOR_HTTP_POST_ALLOWLIST is empty, which allows nothing',
    );
  });

  it('refuses a URL that is not http(s), and unknown stage settings', () => {
    expect(() => resolve('http_post:ftp://x/y')).toThrow(
      '[stage:http_post] "ftp://x/y" is not an http:// or https:// URL (stage 1, id "act")',
    );
    expect(() => resolve('http_post:/relative')).toThrow('is not an http:// or https:// URL');
    const factory = actionStageFactories(env())['http_post:'];
    expect(() =>
      factory?.(factoryContext(`http_post:${hook.url}/hooks/a`, { retries: '9' })),
    ).toThrow('[stage:http_post] unknown setting `stages.act.retries` (stage 1, id "act")');
  });

  it('hides URL credentials in messages', () => {
    expect(() => resolve('http_post:https://user:hunter22@example.com/x')).toThrow(
      'https://user:[redacted]@example.com/x is not allowed',
    );
  });
});

describe('http_post: dry-run', () => {
  it('records and counts, forwards the input, and sends nothing', async () => {
    const records: ActionRecord[] = [];
    const factory = actionStageFactories(env(), { dryRun: true, record: (r) => records.push(r) })[
      'http_post:'
    ];
    const s = factory?.(factoryContext(`http_post:${hook.url}/hooks/a`)) as ActionStage;
    const messages = [msg('ab'), msg('cde')];
    expect(await s.process(messages, stageContext())).toBe(messages);
    expect(hook.received).toHaveLength(0);
    expect(s.counts()).toEqual({ executed: 0, dryRun: 2, retries: 0, failed: 0 });
    expect(records).toEqual([
      {
        stageId: 'act',
        key: `http_post:${hook.url}/hooks/a`,
        capability: 'http_post',
        messages: 2,
        bytes: 5,
        dryRun: true,
        outcome: 'dry_run',
      },
    ]);
  });

  it('still refuses a URL outside the allow-list, so a dry run predicts the real one', () => {
    const factory = actionStageFactories(env(), { dryRun: true })['http_post:'];
    expect(() => factory?.(factoryContext(`http_post:${hook.url}/admin`))).toThrow(
      'is not allowed',
    );
  });
});

describe('http_post in a running loop', () => {
  const spec = (stage: string) => ({
    name: 'act',
    capacity: 64,
    stages: [{ id: 'notify', stage, dependsOn: [] }],
  });

  it('delivers every message to the hook and to the egress', async () => {
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    const source = new ListSource(bodies);
    const sink = new ListSink();
    const result = await createLoop({
      spec: spec(`http_post:${hook.url}/hooks/a`),
      ingress: { transport: source },
      egress: { transport: sink },
      stages: createStageResolver(actionStageFactories(env())),
    }).run();
    expect(result.state).toBe('stopped');
    expect(hook.received.map((r) => r.body.toString())).toEqual(bodies);
    expect(sink.received).toEqual(bodies);
    expect(source.acked).toBe(25);
  });

  it('a permanent failure stops the loop without acknowledging (stop_pipeline)', async () => {
    hook.answer((n) => (n < 3 ? { status: 200 } : { status: 400 }));
    const source = new ListSource(Array.from({ length: 25 }, (_, i) => `m${i}`));
    const result = await createLoop({
      spec: spec(`http_post:${hook.url}/hooks/a`),
      ingress: { transport: source },
      egress: { transport: new ListSink() },
      stages: createStageResolver(actionStageFactories(env())),
    }).run();
    expect(result.state).toBe('failed');
    expect(result.error?.message).toContain('answered HTTP 400');
    expect(source.acked).toBe(0);
  });

  it('refuses a URL outside the allow-list before anything moves', async () => {
    const source = new ListSource(['a']);
    const run = createLoop({
      spec: spec(`http_post:${hook.url}/admin`),
      ingress: { transport: source },
      egress: { transport: new ListSink() },
      stages: createStageResolver(actionStageFactories(env())),
    }).run();
    const result = await run; // run() resolves with the failure (it never rejects)
    expect(result).toMatchObject({ state: 'failed', failedDuring: 'open' });
    expect(result.error?.code).toBe('permission-denied');
    expect(hook.received).toHaveLength(0);
  });
});
