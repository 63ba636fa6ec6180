import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportCheck } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import { createFileTransport, type FileTransportOptions } from '../src/index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'ep-file-check-'));

async function check(
  options: FileTransportOptions,
  role: 'ingress' | 'egress',
): Promise<Record<string, TransportCheck>> {
  const t = createFileTransport(options);
  const checks =
    (await t.check?.({ role, signal: new AbortController().signal, timeoutMs: 5000 })) ?? [];
  await t.close();
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

describe('file check(): ingress', () => {
  it('an existing file is ok, with its size; the default checkpoint lives in the lane path', async () => {
    const d = dir();
    writeFileSync(join(d, 'in.log'), 'a\nb\n');
    const c = await check({ path: join(d, 'in.log') }, 'ingress');
    expect(Object.keys(c)).toEqual(['path', 'checkpoint']);
    expect(c.path).toMatchObject({
      status: 'ok',
      detail: `${join(d, 'in.log')}: regular file, 4 B, readable`,
    });
    expect(c.path?.durationMs).toBeGreaterThanOrEqual(0);
    expect(c.checkpoint?.detail).toContain('<lane path>/ingress/file-ingress.offset');
  });

  it('a missing file fails with the fix; a directory is not a regular file', async () => {
    const d = dir();
    const missing = await check({ path: join(d, 'nope.log') }, 'ingress');
    expect(missing.path).toMatchObject({
      status: 'fail',
      detail: `[transport:file] cannot open ${join(d, 'nope.log')}: no such file or directory (ENOENT)`,
      fix: `check \`path\` (${join(d, 'nope.log')}); the source reads an existing file`,
    });
    const notFile = await check({ path: d }, 'ingress');
    expect(notFile.path?.status).toBe('fail');
    expect(notFile.path?.detail).toContain('not a regular file');
  });

  it('checkpointPath: reports the saved offset, fails an unreadable checkpoint with its fix', async () => {
    const d = dir();
    writeFileSync(join(d, 'in.log'), 'a\n');
    const fresh = await check(
      { path: join(d, 'in.log'), checkpointPath: join(d, 'state', 'ckpt') },
      'ingress',
    );
    expect(fresh.checkpoint?.status).toBe('ok');
    expect(fresh.checkpoint?.detail).toContain('none yet: reading starts at byte 0');
    expect(fresh.checkpoint?.detail).toContain(`will be created under ${d} (writable)`);
    writeFileSync(join(d, 'bad.ckpt'), 'not a checkpoint');
    const bad = await check(
      {
        path: join(d, 'in.log'),
        checkpointPath: join(d, 'bad.ckpt'),
        deadLetterPath: join(d, 'dl.log'),
      },
      'ingress',
    );
    expect(bad.checkpoint?.status).toBe('fail');
    expect(bad.checkpoint?.fix).toContain(`delete ${join(d, 'bad.ckpt')}`);
    expect(bad['dead-letter']).toMatchObject({
      status: 'ok',
      detail: `${join(d, 'dl.log')}: ${d} is writable`,
    });
  });
});

describe('file check(): egress', () => {
  it('ok: the directory takes a scratch file (removed), the file will be created, free disk', async () => {
    const d = dir();
    const c = await check({ path: join(d, 'out.log') }, 'egress');
    expect(Object.keys(c)).toEqual(['directory', 'file', 'disk']);
    expect(c.directory).toMatchObject({
      status: 'ok',
      detail: `${d}: a scratch file was created and removed`,
    });
    expect(c.file).toMatchObject({ status: 'ok', detail: `${join(d, 'out.log')} will be created` });
    expect(c.disk?.status).toMatch(/ok|warn/);
    expect(c.disk?.detail).toMatch(/free of .* at /);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a directory that cannot be written fails; a missing one with mkdir=false fails and skips the rest', async () => {
    // /sys refuses new files even to root
    const ro = await check({ path: '/sys/edgeplane-out.log' }, 'egress');
    expect(ro.directory).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot create files in /sys'),
    });
    expect(ro.file?.status).toBe('skip');
    const d = dir();
    const noDir = await check({ path: join(d, 'sub', 'out.log'), mkdir: false }, 'egress');
    expect(noDir.directory).toMatchObject({
      status: 'fail',
      detail: `${join(d, 'sub')} does not exist and mkdir=false`,
      fix: `create ${join(d, 'sub')}, or set mkdir=true`,
    });
    const mk = await check({ path: join(d, 'sub', 'out.log') }, 'egress');
    expect(mk.directory?.detail).toBe(`${join(d, 'sub')} will be created under ${d} (writable)`);
    expect(readdirSync(d)).toEqual([]);
  });

  it('append=false warns that an existing file is truncated; a directory as path fails', async () => {
    const d = dir();
    writeFileSync(join(d, 'out.log'), 'kept\n');
    const c = await check({ path: join(d, 'out.log'), append: false }, 'egress');
    expect(c.file).toMatchObject({ status: 'warn', fix: expect.stringContaining('append=true') });
    mkdirSync(join(d, 'adir'));
    const isDir = await check({ path: join(d, 'adir') }, 'egress');
    expect(isDir.file).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is a directory'),
    });
  });

  it('stdin / stdout: nothing to check', async () => {
    expect((await check({ path: '-' }, 'ingress')).path?.status).toBe('ok');
    expect((await check({ path: '-' }, 'egress')).path?.detail).toBe('standard output');
  });
});
