import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTransport, kv } from '../transport/options.js';
import { bindingOptions, configSecrets, parseAdapterConfig, redactConfig } from './index.js';

const base =
  'ingress.transport=file\ningress.path=in.log\negress.transport=file\negress.path=out.log\n';
const parse = (text: string, env: Record<string, string> = {}) =>
  parseAdapterConfig(text, { file: 'adapters.kv', env });
const fails = (text: string, env: Record<string, string> = {}) => {
  try {
    parse(text, env);
  } catch (e) {
    return { message: (e as Error).message, hint: (e as { hint?: string }).hint };
  }
  throw new Error('expected a ConfigError');
};

describe('parseAdapterConfig', () => {
  it('reads both bindings, loop settings with defaults and stage settings', () => {
    const c = parse(
      `# wiring\r\n${base}ingress.name=logs-in\nloop.lingerMs=0\nstages.s0.mode=fast\n`,
    );
    expect(c.ingress).toEqual({
      role: 'ingress',
      transport: 'file',
      name: 'logs-in',
      options: { path: 'in.log' },
    });
    expect(c.egress.options).toEqual({ path: 'out.log' });
    expect(c.loop).toMatchObject({ lingerMs: 0, batchMaxMessages: 1024, shutdownTimeoutMs: 30000 });
    expect(c.stages).toEqual({ s0: { mode: 'fast' } });
  });
  it('interpolates environment variables, with defaults; $$ is a dollar', () => {
    const c = parse(`${base}ingress.a=\${HOME_DIR}/x\ningress.b=\${NOPE:-d}\ningress.c=$$5\n`, {
      HOME_DIR: '/h',
    });
    expect(c.ingress.options).toMatchObject({ a: '/h/x', b: 'd', c: '$5' });
  });
  it('names the place and the fix for each malformed line', () => {
    expect(fails(`${base}oops\n`)).toEqual({
      message: 'adapters.kv:5:5: expected "=" after key "oops"',
      hint: 'write each setting as key=value',
    });
    expect(fails(`${base}loop.lingerMs = 3\n`).message).toBe(
      'adapters.kv:5:14: whitespace around "=" is not allowed',
    );
    expect(fails(`${base}ingress.path=x\n`).message).toBe(
      'adapters.kv:5:1: duplicate key "ingress.path" (first set on line 2)',
    );
    expect(fails(`${base}source.path=x\n`).message).toBe(
      'adapters.kv:5:1: unknown key "source.path"',
    );
    expect(fails('ingress.transport=file\n').message).toBe(
      'adapters.kv:1:1: missing egress.transport',
    );
    expect(fails(`${base}loop.lingerMs=soon\n`).message).toBe(
      'adapters.kv:5:15: loop.lingerMs: expected an integer in [0, 60000], got "soon"',
    );
    expect(fails(`${base}loop.lingerMS=1\n`).message).toBe(
      'adapters.kv:5:1: unknown key "loop.lingerMS"',
    );
    expect(fails(`${base}ingress.password=\${PW}\n`)).toEqual({
      message: 'adapters.kv:5:18: environment variable PW is not set (used by ingress.password)',
      hint: `export PW=... before starting, or write \${PW:-default}`,
    });
    // a typo is not taken as literal text (it would be a wrong password, far from its cause)
    expect(fails(`${base}ingress.password=\${PW\n`).message).toBe(
      'adapters.kv:5:18: ${PW is not a complete variable reference (in ingress.password)',
    );
    expect(fails(`${base}ingress.name=a\${1}\n`).message).toMatch(
      /:5:15: \$\{1\} is not a complete/,
    );
    expect(parse(`${base}ingress.name=$\${1}\n`).entries.at(-1)?.value).toBe('${1}');
    // an escape sequence would reach the run summary and the snapshot table raw
    expect(fails(`${base}ingress.name=\u001b[31mRED\n`).message).toBe(
      'adapters.kv:5:14: the value of ingress.name contains the control character U+001B',
    );
    expect(parse(`${base}ingress.name=a\tb\n`).entries.at(-1)?.value).toBe('a\tb');
  });
  it('rejects invalid UTF-8', () => {
    expect(() => parseAdapterConfig(Buffer.from([0x61, 0x3d, 0xff]), { env: {} })).toThrow(
      'adapters.kv:1:1: the file is not valid UTF-8',
    );
  });
  it('redacts secret keys and secret-named variables, everywhere the config is printed', () => {
    const c = parse(`${base}egress.password=hunter22\negress.url=\${DB_TOKEN}\n`, {
      DB_TOKEN: 'tok-123456',
    });
    const text = redactConfig(c);
    expect(text).toContain('egress.password=[redacted]');
    expect(text).toContain('egress.url=[redacted]');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('tok-123456');
    expect(configSecrets(c)).toEqual(['hunter22', 'tok-123456']);
    const u = parse(`${base}egress.url=redis://:\${PW}@127.0.0.1\n`, { PW: 'pw-77777' });
    expect(configSecrets(u, ['egress.url'], { PW: 'pw-77777' })).toEqual([
      'redis://:pw-77777@127.0.0.1',
      'pw-77777',
    ]);
  });
  it("reports a transport's rejected option at its line", () => {
    const t = defineTransport({
      name: 'demo',
      summary: 'demo',
      options: z.object({ path: z.string(), maxLineBytes: kv.int(1).default(10) }),
      create: () => {
        throw new Error('unused');
      },
    });
    const c = parse(`${base}ingress.maxLineBytes=big\n`);
    expect(() => bindingOptions(c, c.ingress, t)).toThrow(
      'adapters.kv:5:22: ingress (demo): option "maxLineBytes": expected an integer',
    );
    const d = parse(`${base}ingress.colour=red\n`);
    expect(() => bindingOptions(d, d.ingress, t)).toThrow(
      'ingress (demo): unknown option "colour"',
    );
    expect(bindingOptions(c, c.egress, t)).toEqual({ path: 'out.log', maxLineBytes: 10 });
  });
});

describe('bindingOptions never shows a secret', () => {
  const t = defineTransport({
    name: 'demo',
    summary: 'demo',
    options: z.object({ path: z.string(), retries: kv.int(1, 100).optional(), token: kv.secret() }),
    create: () => {
      throw new Error('unused');
    },
  });
  it('redacts a value from a secret-named variable put into a plain option by mistake', () => {
    const env = { DEMO_PASSWORD: 'EnvPW_s3cret' };
    const c = parse(`${base}ingress.retries=\${DEMO_PASSWORD}\ningress.token=tok_12345\n`, env);
    let thrown: unknown;
    try {
      bindingOptions(c, c.ingress, t);
    } catch (error) {
      thrown = error;
    }
    const text = `${(thrown as Error).message} ${(thrown as { hint?: string }).hint}`;
    expect(text).toContain(
      'ingress (demo): option "retries": expected an integer in [1, 100], got "[redacted]"',
    );
    expect(text).not.toContain('EnvPW_s3cret');
    expect((thrown as Error).cause).toBeUndefined();
  });
});

describe('loop settings never show a secret either', () => {
  it('redacts a secret-named variable put into a loop.* setting', () => {
    const { message, hint } = fails(`${base}loop.maxRetries=\${DEMO_TOKEN}\n`, {
      DEMO_TOKEN: 'tok-abc-SECRET',
    });
    expect(message).toContain('loop.maxRetries: expected an integer');
    expect(message).toContain('got "[redacted]"');
    expect(`${message} ${hint}`).not.toContain('tok-abc-SECRET');
  });
});

describe('failure policy and the dead-letter binding', () => {
  it('reads dead_letter.* with loop.failurePolicy=dead_letter (snake_case accepted)', () => {
    for (const key of ['failurePolicy', 'failure_policy']) {
      const c = parse(
        `${base}loop.${key}=dead_letter\ndead_letter.transport=file\ndead_letter.path=dl.log\n`,
      );
      expect(c.loop.failurePolicy).toBe('dead_letter');
      expect(c.deadLetter).toEqual({
        role: 'dead_letter',
        transport: 'file',
        name: undefined,
        options: { path: 'dl.log' },
      });
    }
    expect(parse(base).loop.failurePolicy).toBe('stop_pipeline');
    expect(parse(base).deadLetter).toBeUndefined();
    expect(parse(`${base}loop.linger_ms=7\n`).loop.lingerMs).toBe(7);
  });

  it('names the line and the fix for each inconsistency', () => {
    expect(fails(`${base}loop.failurePolicy=dead_letter\n`).message).toBe(
      'adapters.kv:5:1: loop.failurePolicy=dead_letter needs a dead-letter binding',
    );
    expect(fails(`${base}dead_letter.transport=file\n`).message).toContain(
      'adapters.kv:5:1: a dead_letter.* binding is configured but loop.failurePolicy is stop_pipeline',
    );
    expect(fails(`${base}loop.failure_policy=drop\n`).message).toContain(
      'loop.failure_policy: expected stop_pipeline (the default) or dead_letter',
    );
    expect(fails(`${base}loop.lingerMs=1\nloop.linger_ms=2\n`).message).toContain(
      'loop.linger_ms sets loop.lingerMs again (line 5 set it as loop.lingerMs)',
    );
    expect(
      fails(`${base}loop.failurePolicy=dead_letter\ndead_letter.path=dl.log\n`).message,
    ).toContain('missing dead_letter.transport');
  });
});
