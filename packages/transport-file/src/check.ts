import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
  type TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import {
  DISK_FAIL_BYTES,
  DISK_WARN_BYTES,
  existingDir,
  formatBytes,
  freeBytes,
  probeWrite,
  writableDir,
} from './check-fs.js';
import { readCheckpoint } from './checkpoint.js';
import { COMPONENT, fileError, notRegularFile } from './errors.js';
import type { ResolvedFileOptions } from './options.js';
import { CHECKPOINT_FILE } from './source.js';

type Role = 'source' | 'sink';

/** Runs `probe`; a throw becomes a `fail` with the error mapped by errors.ts. */
async function run(
  name: string,
  role: Role,
  path: string,
  action: string,
  probe: (startedAt: number) => Promise<TransportCheck>,
): Promise<TransportCheck> {
  const startedAt = performance.now();
  try {
    return await probe(startedAt);
  } catch (error) {
    return checkFailed(name, fileError(error, action, path, role), COMPONENT, { startedAt });
  }
}

/** Ingress: the file exists, is a regular file and can be opened for reading (nothing is read). */
function inputFile(path: string): Promise<TransportCheck> {
  return run('path', 'source', path, 'open', async (startedAt) => {
    const st = await stat(path);
    if (!st.isFile()) throw notRegularFile(path, st.isFIFO() ? 'a FIFO' : 'not a regular file');
    await (await open(path, 'r')).close();
    return checkResult('path', 'ok', `${path}: regular file, ${formatBytes(st.size)}, readable`, {
      startedAt,
    });
  });
}

/** Ingress: the checkpoint's directory can be written, and a checkpoint there parses. */
function checkpoint(options: ResolvedFileOptions): Promise<TransportCheck> {
  const file = options.checkpointPath;
  if (file === undefined)
    return Promise.resolve(
      checkResult(
        'checkpoint',
        'ok',
        `kept in the lane path (<lane path>/ingress/${CHECKPOINT_FILE}; see the host check lane_path)`,
      ),
    );
  return run('checkpoint', 'source', dirname(file), 'write a checkpoint in', async (startedAt) => {
    const where = await writableDir(dirname(file));
    const saved = await readCheckpoint(file);
    const at = saved ? `resumes at byte ${saved.offset}` : 'none yet: reading starts at byte 0';
    return checkResult('checkpoint', 'ok', `${file}: ${at}; ${where}`, { startedAt });
  });
}

/** Ingress: where over-long lines go can be written. */
function deadLetter(path: string): Promise<TransportCheck> {
  return run('dead-letter', 'source', dirname(path), 'write', async (startedAt) => {
    const where = await writableDir(dirname(path));
    return checkResult('dead-letter', 'ok', `${path}: ${where}`, { startedAt });
  });
}

/** Egress: the directory takes a new file (a scratch file, removed), or will be created. */
function outputDir(options: ResolvedFileOptions): Promise<TransportCheck> {
  const dir = dirname(options.path);
  return run('directory', 'sink', dir, 'create files in', async (startedAt) => {
    const { at, exists } = await existingDir(dir);
    if (exists) {
      await probeWrite(dir);
      return checkResult('directory', 'ok', `${dir}: a scratch file was created and removed`, {
        startedAt,
      });
    }
    if (!options.mkdir)
      return checkResult('directory', 'fail', `${dir} does not exist and mkdir=false`, {
        fix: `create ${dir}, or set mkdir=true`,
        startedAt,
      });
    await access(at, constants.W_OK | constants.X_OK);
    return checkResult('directory', 'ok', `${dir} will be created under ${at} (writable)`, {
      startedAt,
    });
  });
}

/** Egress: an existing output file can be written (nothing is), and what `append` does to it. */
function outputFile(options: ResolvedFileOptions): Promise<TransportCheck> {
  const { path } = options;
  return run('file', 'sink', path, 'open', async (startedAt) => {
    const st = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!st) return checkResult('file', 'ok', `${path} will be created`, { startedAt });
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    await access(path, constants.W_OK);
    if (!options.append && st.isFile())
      return checkResult('file', 'warn', `${path} (${formatBytes(st.size)}) is truncated at open`, {
        fix: 'set append=true (the default) to keep what the file holds',
        startedAt,
      });
    return checkResult('file', 'ok', `${path}: writable, ${formatBytes(st.size)}, appended to`, {
      startedAt,
    });
  });
}

/** Egress: free space where it writes: fail below 64 MiB, warn below 1 GiB. */
function disk(path: string): Promise<TransportCheck> {
  const dir = dirname(path);
  return run('disk', 'sink', dir, 'read the free space of', async (startedAt) => {
    const { free, total } = await freeBytes(dir);
    const detail = `${formatBytes(free)} free of ${formatBytes(total)} at ${dir}`;
    if (free < DISK_FAIL_BYTES)
      return checkResult('disk', 'fail', detail, { fix: 'free space there', startedAt });
    if (free < DISK_WARN_BYTES)
      return checkResult('disk', 'warn', detail, {
        fix: `free space there (under ${formatBytes(DISK_WARN_BYTES)})`,
        startedAt,
      });
    return checkResult('disk', 'ok', detail, { startedAt });
  });
}

/**
 * `check()` of the file transport (docs/transports/file.md, "Doctor checks"). Nothing is read or
 * written, but for a scratch file `.edgeplane-doctor-<pid>-<hex>.tmp` created and removed in the
 * egress directory.
 * - ingress: `path` (exists, regular file, opens for reading), `checkpoint`, `dead-letter` (when set).
 * - egress: `directory` (takes a new file), `file` (writable; `warn` when `append=false` would
 *   truncate it), `disk` (free space: fail < 64 MiB, warn < 1 GiB).
 * `path=-` (stdin / stdout) has nothing to check.
 */
export async function checkFile(
  options: ResolvedFileOptions,
  context: CheckContext,
): Promise<readonly TransportCheck[]> {
  const { path } = options;
  if (path === '-')
    return [
      checkResult(
        'path',
        'ok',
        context.role === 'ingress' ? 'standard input: nothing to check' : 'standard output',
      ),
    ];
  if (context.role === 'ingress') {
    const checks = [await inputFile(path), await checkpoint(options)];
    if (options.deadLetterPath !== undefined) checks.push(await deadLetter(options.deadLetterPath));
    return checks;
  }
  const directory = await outputDir(options);
  if (directory.status === 'fail')
    return [
      directory,
      checkSkipped('file', 'the directory failed'),
      checkSkipped('disk', 'the directory failed'),
    ];
  return [directory, await outputFile(options), await disk(path)];
}
