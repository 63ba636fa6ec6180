import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { Io } from '../src/io.js';
import { main } from '../src/main.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    stdin?: string;
    nodeVersion?: string;
    signal?: (fire: (s: 'SIGINT' | 'SIGTERM') => void) => void;
    /** Stages added to the CLI's own (`Io.stages`). */
    stages?: Io['stages'];
  } = { cwd: process.cwd() },
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const io: Io = {
    stdout,
    stderr,
    stdin,
    env: { PATH: process.env.PATH, ...options.env },
    cwd: options.cwd,
    argv,
    nodeVersion: options.nodeVersion,
    stages: options.stages,
    onSignal(handler) {
      options.signal?.(handler);
      return () => {};
    },
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A temp dir with the given files. */
export function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export const SPEC =
  'v=1\nname=t\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';
export const CONFIG =
  'ingress.transport=file\ningress.path=${EDGEPLANE_CONFIG_DIR}/in.log\negress.transport=file\negress.path=${EDGEPLANE_CONFIG_DIR}/out.log\n';

/** `n` numbered lines, CRLF-terminated except the last. */
export function lines(n: number, prefix = 'line'): string {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join('\r\n');
}
