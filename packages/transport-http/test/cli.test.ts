import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  crlfInput,
  finished,
  removeWorkdirs,
  runCli,
  spec,
  start,
  workdir,
} from './support/cli.js';

afterAll(() => removeWorkdirs());

/** The `--json` result of a run that must succeed. */
function result(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as {
    egressMessages: number;
    ackedMessages: number;
    reason: string;
  };
}

/** The egress keeps retrying while the ingress is not up (between bounded runs). */
const PATIENT = { maxRetries: 100_000, retryMinDelayMs: 20, retryMaxDelayMs: 200 };

describe('edgeplane run with http (built CLI, two processes over loopback)', () => {
  for (const wire of ['message', 'ndjson'] as const) {
    it(`file → http → file (${wire}) moves 2000 CRLF lines intact and in order`, async () => {
      const port = await freePort();
      const { input, expected } = crlfInput(2000, 'event');
      const token = 'cli-token-5b1f';
      const cwd = workdir({
        'spec.kv': spec(),
        'in.log': input,
        'from-http.kv': adapters(
          {
            transport: 'http',
            listen: `127.0.0.1:${port}`,
            path: '/in',
            framing: wire,
            authToken: '${EP_TOKEN}',
          },
          { transport: 'file', path: 'out.log' },
        ),
        'to-http.kv': adapters(
          { transport: 'file', path: 'in.log' },
          {
            transport: 'http',
            url: `http://127.0.0.1:${port}/in`,
            batching: wire,
            authToken: '${EP_TOKEN}',
          },
          PATIENT,
        ),
      });
      const env = { EP_TOKEN: token };
      const reading = finished(
        start(
          [
            'run',
            '--spec=spec.kv',
            '--config=from-http.kv',
            '--lane-path=lane-b',
            '--adapter-max-messages=2000',
            '--json',
          ],
          cwd,
          env,
        ),
      );
      await waitForTcp('127.0.0.1', port, 20_000);
      const write = await runCli(
        ['run', '--spec=spec.kv', '--config=to-http.kv', '--lane-path=lane-a', '--json'],
        cwd,
        env,
      );
      expect(result(write).egressMessages).toBe(2000);
      const read = await reading;
      expect(result(read)).toMatchObject({
        egressMessages: 2000,
        ackedMessages: 2000,
        reason: 'max-messages',
      });
      expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
      for (const run of [write, read]) expect(run.stdout + run.stderr).not.toContain(token);
    }, 60_000);
  }

  for (const wire of ['message', 'ndjson'] as const)
    it(`--adapter-max-messages=500 four times on the ingress (${wire}): all 2000 arrive once each, in order`, async () => {
      const port = await freePort();
      const { input, expected } = crlfInput(2000, 'bounded');
      const cwd = workdir({
        'spec.kv': spec(),
        'in.log': input,
        'from-http.kv': adapters(
          {
            transport: 'http',
            listen: `127.0.0.1:${port}`,
            maxInFlight: wire === 'ndjson' ? 300 : 64,
            framing: wire,
          },
          { transport: 'file', path: 'out.log' },
        ),
        'to-http.kv': adapters(
          { transport: 'file', path: 'in.log' },
          // NDJSON requests of 300 lines: each bounded run stops inside one, answers it 503 with
          // `X-Edgeplane-Taken`, and the sender resends only the lines not taken.
          { transport: 'http', url: `http://127.0.0.1:${port}/`, batching: wire, maxInFlight: 300 },
          PATIENT,
        ),
      });
      const writing = finished(
        start(
          ['run', '--spec=spec.kv', '--config=to-http.kv', '--lane-path=lane-a', '--json'],
          cwd,
        ),
      );
      for (let run = 1; run <= 4; run++) {
        const r = result(
          await runCli(
            [
              'run',
              '--spec=spec.kv',
              '--config=from-http.kv',
              '--lane-path=lane-b',
              '--adapter-max-messages=500',
              '--json',
            ],
            cwd,
          ),
        );
        expect(r.egressMessages).toBe(500);
        const out = readFileSync(join(cwd, 'out.log'), 'utf8');
        expect(out.split('\n').length - 1).toBe(run * 500);
      }
      expect(result(await writing).egressMessages).toBe(2000);
      expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
    }, 90_000);

  it('a bad option is exit 2 naming it, with the fix; `transports --name=http` lists the options', async () => {
    const cwd = workdir({
      'spec.kv': spec(),
      'bad.kv': adapters(
        { transport: 'http', listen: 'localhost' },
        { transport: 'file', path: 'out.log' },
      ),
      'no-url.kv': adapters({ transport: 'file', path: 'in.log' }, { transport: 'http' }),
      'in.log': 'x\n',
    });
    const bad = await runCli(['run', '--spec=spec.kv', '--config=bad.kv', '--lane-path=lane'], cwd);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('"listen"');
    expect(bad.stderr).toMatch(/host:port/);
    const noUrl = await runCli(
      ['run', '--spec=spec.kv', '--config=no-url.kv', '--lane-path=lane2'],
      cwd,
    );
    expect(noUrl.code, noUrl.stderr).toBe(2);
    expect(noUrl.stderr).toContain('"url"');
    const list = await runCli(['transports', '--name=http'], cwd);
    expect(list.code).toBe(0);
    for (const option of [
      'listen',
      'url',
      'authToken',
      'maxInFlight',
      'batching',
      'listenTlsCertFile',
    ])
      expect(list.stdout).toContain(option);
  }, 60_000);
});
