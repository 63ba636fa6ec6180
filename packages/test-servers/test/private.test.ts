import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DisposablePrivateServer,
  natsInfo,
  privateNats,
  privateRedis,
  redisPing,
} from '../src/index.js';
import { canConnect, exchange } from '../src/net.js';

/** Sends inline Redis commands on one connection; resolves with the replies once `n` lines came. */
async function redis(server: DisposablePrivateServer, lines: string[], timeoutMs = 2_000) {
  const reply = await exchange(
    server.host,
    server.port,
    Buffer.from(lines.map((l) => `${l}\r\n`).join('')),
    (b) => b.toString().split('\r\n').length > lines.length,
    timeoutMs,
  );
  return reply.toString();
}

/** Speaks the NATS protocol: CONNECT, then `ops`; resolves once `done(received)` holds. */
async function nats(server: DisposablePrivateServer, ops: string, done: (text: string) => boolean) {
  const connect = `CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n`;
  const reply = await exchange(
    server.host,
    server.port,
    Buffer.from(connect + ops),
    (b) => done(b.toString()),
    3_000,
  );
  return reply.toString();
}

function pub(subject: string, reply: string, payload: string): string {
  return `PUB ${subject} ${reply} ${Buffer.byteLength(payload)}\r\n${payload}\r\n`;
}

const servers: DisposablePrivateServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});

describe('privateRedis', () => {
  it('starts on a free loopback port of its own, pauses, resumes, keeps data across kill -9', async () => {
    const server = await privateRedis();
    servers.push(server);
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await redisPing(server.host, server.port)).toBe('+PONG');
    const firstPid = server.pid;
    expect(firstPid).toBeGreaterThan(0);

    expect(await redis(server, ['XADD s 1-0 f a', 'XADD s 2-0 f b'])).toBe(
      '$3\r\n1-0\r\n$3\r\n2-0\r\n',
    );

    server.pause();
    await expect(redis(server, ['PING'], 500)).rejects.toThrow(/did not answer within 500 ms/);
    server.resume();
    expect(await redis(server, ['PING'])).toBe('+PONG\r\n');

    await server.kill();
    expect(await canConnect(server.host, server.port, 500)).toBe(false);
    await server.start();
    expect(server.pid).not.toBe(firstPid);
    expect(await redis(server, ['XLEN s'])).toBe(':2\r\n');
  });

  it('start with --requirepass refuses a client without the password; stop keeps the data', async () => {
    const server = await privateRedis();
    servers.push(server);
    await redis(server, ['XADD t 5-0 f x']);
    await server.stop();
    expect(await canConnect(server.host, server.port, 500)).toBe(false);
    await server.start(['--requirepass', 'x']);
    expect(await redis(server, ['XLEN t'])).toMatch(/^-NOAUTH /);
    expect(await redis(server, ['AUTH x', 'XLEN t'])).toBe('+OK\r\n:1\r\n');
    // the extra arguments are those of this start only
    await server.kill();
    await server.start();
    expect(await redis(server, ['XLEN t'])).toBe(':1\r\n');
  });

  it('stop on a paused server still ends it; dispose deletes its data directory', async () => {
    const server = await privateRedis();
    server.pause();
    await server.stop();
    expect(await canConnect(server.host, server.port, 500)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(true);
    await server.dispose();
    expect(existsSync(server.dataDir)).toBe(false);
  });
});

describe('privateNats', () => {
  it('runs JetStream on a port of its own, pauses, resumes, keeps a stream across kill -9', async () => {
    const server = await privateNats();
    servers.push(server);
    expect(server.port).not.toBe(4222);
    const info = await natsInfo(server.host, server.port);
    expect(info.jetstream).toBe(true);
    expect(info.port).toBe(server.port);

    const created = await nats(
      server,
      `SUB r 1\r\n${pub('$JS.API.STREAM.CREATE.KEEP', 'r', '{"name":"KEEP","subjects":["keep.>"]}')}${pub('keep.a', 'r', 'one')}${pub('keep.a', 'r', 'two')}`,
      (t) => (t.match(/"seq":/g) ?? []).length >= 2,
    );
    expect(created).toContain('"seq":2');

    server.pause();
    await expect(natsInfo(server.host, server.port)).rejects.toThrow(/did not answer/);
    server.resume();
    expect((await natsInfo(server.host, server.port)).jetstream).toBe(true);

    await server.kill();
    await server.start();
    const after = await nats(
      server,
      `SUB r 1\r\n${pub('$JS.API.STREAM.INFO.KEEP', 'r', '')}`,
      (t) => t.includes('"state"'),
    );
    expect(after).toMatch(/"messages":2,/);
  });

  it('start with credentials refuses a client without them', async () => {
    const server = await privateNats();
    servers.push(server);
    await server.stop();
    await server.start(['--user', 'u', '--pass', 'p']);
    const refused = await nats(server, 'PING\r\n', (t) => t.includes('-ERR'));
    expect(refused).toContain("-ERR 'Authorization Violation'");
  });
});

/** True while `pid` is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a private server never outlives the test process', () => {
  it.each(['privateRedis', 'privateNats'])(
    '%s: killed when its owner is killed -9',
    async (factory) => {
      const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
      if (!existsSync(dist)) throw new Error(`${dist} is missing: run pnpm build first`);
      const owner = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(dist)}); const s = await m.${factory}(); console.log(s.pid); setInterval(() => {}, 1000);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const pid = await new Promise<number>((resolve, reject) => {
        owner.stdout?.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
        owner.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
      });
      expect(alive(pid)).toBe(true);
      owner.kill('SIGKILL');
      const deadline = Date.now() + 5_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive(pid)).toBe(false);
    },
  );
});
