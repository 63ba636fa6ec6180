import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapters, removeWorkdirs, runCli, spec, workdir } from './support/cli.js';

/**
 * A 4xx answer for one message, under loop.failurePolicy=dead_letter (built CLI): a plain
 * `node:http` receiver refuses bodies containing `reject` with 422; those go to a file dead letter
 * with the receiver's answer; the rest are delivered; everything is acknowledged.
 */

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  removeWorkdirs();
});

function receiver(): Promise<{ port: number; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (body.includes('reject')) {
        res.writeHead(422, { 'content-type': 'text/plain' }).end('unprocessable: no rejects here');
        return;
      }
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, bodies }),
    ),
  );
}

describe('dead letter for a 4xx (built CLI, real HTTP peer)', () => {
  it('file → http: messages answered 422 go to the file dead letter; the rest are delivered; all acknowledged', async () => {
    const peer = await receiver();
    const input = Array.from({ length: 120 }, (_, i) =>
      i % 20 === 7 ? `reject ${i}` : `keep ${i}`,
    );
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': `${input.join('\n')}\n`,
      'adapters.kv': `${adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'http', url: `http://127.0.0.1:${peer.port}/ingest` },
        { failurePolicy: 'dead_letter' },
      )}dead_letter.transport=file\ndead_letter.path=dead.ndjson\n`,
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    const rejected = input.filter((l) => l.startsWith('reject'));
    expect(result).toMatchObject({ ackedMessages: 120, deadLetteredMessages: rejected.length });
    expect(new Set(peer.bodies)).toEqual(new Set(input.filter((l) => l.startsWith('keep'))));
    const dead = readFileSync(join(cwd, 'dead.ndjson'), 'utf8')
      .split('\n')
      .slice(0, -1)
      .map(
        (l) =>
          JSON.parse(l) as {
            body: string;
            error: { code: string; message: string };
            refused_by: string;
          },
      );
    expect(dead.map((d) => d.body)).toEqual(rejected);
    expect(dead[0]?.refused_by).toBe('egress "http-egress"');
    expect(dead[0]?.error.message).toContain('422');
  }, 60_000);
});
