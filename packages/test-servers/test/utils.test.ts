import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  applyConfSettings,
  freePort,
  isBeforeRabbitmq311,
  runCli,
  STREAM_SETTINGS,
  uniqueName,
  waitForTcp,
} from '../src/index.js';

describe('utilities', () => {
  it('freePort returns a bindable loopback port', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await waitForTcp('127.0.0.1', port, 2_000);
    await new Promise((resolve) => server.close(resolve));
  });

  it('waitForTcp rejects after its timeout when nothing listens', async () => {
    const port = await freePort();
    await expect(waitForTcp('127.0.0.1', port, 300)).rejects.toThrow(/within 300 ms/);
  });

  it('uniqueName is unique and safe for topic/stream/bucket names', () => {
    const a = uniqueName('EP Test_x');
    expect(a).toMatch(/^ep-test-x-[a-z0-9]+$/);
    expect(uniqueName('ep')).not.toBe(uniqueName('ep'));
  });

  it('isBeforeRabbitmq311 compares major.minor', () => {
    expect(isBeforeRabbitmq311('3.10.8')).toBe(true);
    expect(isBeforeRabbitmq311('3.9.29')).toBe(true);
    expect(isBeforeRabbitmq311('3.11.0')).toBe(false);
    expect(isBeforeRabbitmq311('3.13.7')).toBe(false);
    expect(isBeforeRabbitmq311('4.0.5')).toBe(false);
  });

  it('applyConfSettings is idempotent and replaces differing values', () => {
    const base = 'listeners.tcp.local = 127.0.0.1:5672\nstream.advertised_host = localhost\n';
    const once = applyConfSettings(base, STREAM_SETTINGS);
    expect(once.changed).toBe(true);
    expect(once.text).toContain('listeners.tcp.local = 127.0.0.1:5672\n');
    expect(once.text).toContain('stream.advertised_host = 127.0.0.1\n');
    expect(once.text).toContain('stream.advertised_port = 5552\n');
    expect(once.text.match(/advertised_host/g)).toHaveLength(1);
    expect(applyConfSettings(once.text, STREAM_SETTINGS)).toEqual({
      text: once.text,
      changed: false,
    });
  });
});

describe('cli', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  it('ensure redis prints where the server is', async () => {
    const t = io();
    expect(await runCli(['ensure', 'redis'], t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(/^redis +redis:\/\/127\.0\.0\.1:6379 /);
  });

  it('unknown commands print usage and exit 2', async () => {
    const t = io();
    expect(await runCli(['frobnicate'], t.io)).toBe(2);
    expect(t.err.join('\n')).toContain('usage: edgeplane-test-servers');
  });
});
