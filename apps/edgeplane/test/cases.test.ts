import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, privateRedis } from '@edgeplane/test-servers';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { describe, expect, it } from 'vitest';
import { CliProcess, startFeeder } from './faults/process.js';
import { CONFIG, cli, SPEC, workdir } from './helpers.js';

// Regression tests for the cases of issue 13, written anew (../shared/cases/*).

const run = (cwd: string, extra: string[] = []) =>
  cli(
    ['run', '--spec=spec.kv', '--config=adapters.kv', `--lane-path=${join(cwd, 'lane')}`, ...extra],
    {
      cwd,
    },
  );

describe('cr-before-crlf: the file source and the file sink agree on framing', () => {
  for (const [name, input, expected] of [
    ['a CR CR LF line', 'a\r\r\nb\n', 'a\nb\n'],
    ['a CRLF file cut in its last terminator', 'a\r\nb\r\nc\r', 'a\nb\nc\n'],
  ] as const) {
    it(`moves ${name} file → file, and a second hop reads back the same`, async () => {
      const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': input });
      const first = await run(cwd);
      expect(first.stderr).not.toContain('error:');
      expect(first.code).toBe(0);
      const out = readFileSync(join(cwd, 'out.log'), 'utf8');
      expect(out).toBe(expected);
      // the second hop reads what the first wrote: nothing it cannot carry
      const hop = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG, 'in.log': out });
      expect((await run(hop)).code).toBe(0);
      expect(readFileSync(join(hop, 'out.log'), 'utf8')).toBe(expected);
    });
  }
});

describe('a message the egress refuses fails alone and is named', () => {
  it('redis-streams → file: stops at the entry the file sink cannot frame, acking what precedes it', async () => {
    const stream = `ep-poison-${process.pid}-${Date.now()}`;
    const seed = createRedisStreamsTransport({ url: 'redis://127.0.0.1:6379', stream });
    await seed.open();
    const body = (s: string) => ({ body: Buffer.from(s) });
    expect(
      (await seed.send?.([body('one'), body('two'), body('bad\nline'), body('four')]))?.status,
    ).toBe('ok');
    await seed.close();
    const config = `ingress.transport=redis-streams\ningress.url=redis://127.0.0.1:6379\ningress.stream=${stream}\ningress.group=g\negress.transport=file\negress.path=\${EDGEPLANE_CONFIG_DIR}/out.log\n`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config });
    const first = await run(cwd, ['--adapter-max-messages=4']);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(
      /error: \[adapter-loop\] egress "file-egress" refused a message permanently: \[transport:file\] message 2 of the batch contains LF at byte 3/,
    );
    expect(first.stderr).toMatch(
      /the message came from ingress "redis-streams-ingress" at .*\d+-\d+.* \(8 bytes\)/,
    );
    // the rest of its batch was delivered; what precedes the refused entry is acknowledged
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe('one\ntwo\nfour\n');
    const snapshot = JSON.parse(readFileSync(join(cwd, 'lane', 'snapshot.json'), 'utf8'));
    expect(snapshot.state).toBe('failed');
    expect(snapshot.adapters[1].cause).toContain('refused a message permanently');
    // a restart stops at the same entry again: it was not acknowledged, nothing is lost
    const again = await run(cwd, ['--adapter-max-messages=4']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('message 0 of the batch contains LF');
  });
});

describe('hung-egress-looks-healthy: a server that stops answering is detected', () => {
  it('CLIENT PAUSE on the egress Redis: stalled, /readyz and /healthz 503, then ready again', async () => {
    const redis = await privateRedis();
    const config = [
      'ingress.transport=file',
      'ingress.path=${EDGEPLANE_CONFIG_DIR}/in.log',
      'ingress.follow=true',
      'egress.transport=redis-streams',
      `egress.url=${redis.url}`,
      'egress.stream=s',
      'loop.stallAfterMs=1000',
    ].join('\n');
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': config, 'in.log': '' });
    const feeder = startFeeder(join(cwd, 'in.log'), 'line', 10, 50);
    const run = new CliProcess(cwd, await freePort(), []);
    try {
      await run.until('ready', async () => (await run.probe('/readyz')).status === 200, 20_000);
      const paused = spawnSync(
        'redis-cli',
        ['-p', String(redis.port), 'CLIENT', 'PAUSE', '6000', 'WRITE'],
        {
          encoding: 'utf8',
        },
      );
      expect(paused.stdout.trim()).toBe('OK');
      await run.until(
        'stalled with both probes 503 during the pause',
        async () =>
          (await run.live())?.adapters[1]?.connection_state === 'stalled' &&
          (await run.probe('/readyz')).status === 503 &&
          (await run.probe('/healthz')).status === 503,
        5000,
      );
      const egress = (await run.live())?.adapters[1];
      expect(egress?.stalled_since).toBeTruthy();
      expect(egress?.last_error).toContain('outstanding since');
      // the pause ends by itself after 6 s: the egress answers, and both probes are 200 again
      await run.until(
        'ready again after the pause',
        async () => (await run.probe('/readyz')).status === 200,
        15_000,
      );
      await run.until(
        'healthy again',
        async () => (await run.probe('/healthz')).status === 200,
        5000,
      );
      expect((await run.live())?.adapters[1]?.cause).toBeNull();
    } finally {
      feeder.stop();
      run.signal('SIGTERM');
      await run.exited(20_000);
      await redis.dispose();
    }
  });
});
