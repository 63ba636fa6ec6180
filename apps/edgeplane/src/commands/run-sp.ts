import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSpec, renderSummary, runSinglePass } from '@edgeplane/app-kit';
import { EdgeplaneError } from '@edgeplane/errors';
import { specPath, str } from '../args.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { governRun, runStages } from './governed.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** `run --sp`: the spec's stages over explicit input lines; output lines to stdout, summary to stderr. */
export async function runSp(flags: Readonly<Record<string, unknown>>, io: Io): Promise<number> {
  const stages = runStages(io, flags['dry-run'] === true);
  const loaded = await loadSpec(specPath(flags, io), { cwd: io.cwd, stages });
  await governRun(flags, io, {
    specPath: loaded.path,
    spec: loaded.spec,
    specHash: loaded.parsed.hash,
    lanePath: '',
    enforce: true,
  });
  const input = str(flags, 'input') ?? '-';
  const bytes =
    input === '-'
      ? await readAll(io.stdin)
      : await readFile(resolve(io.cwd, input)).catch((error: NodeJS.ErrnoException) => {
          throw new EdgeplaneError(
            'not-found',
            'cli',
            `--input file ${input} cannot be read (${error.code ?? 'error'})`,
            { hint: 'pass --input=<file>, or - for standard input' },
          );
        });
  const output: string[] = [];
  const result = await runSinglePass({
    spec: loaded.spec,
    specHash: loaded.parsed.hash,
    stages,
    input: bytes,
    emit: (body) => {
      if (flags.json) output.push(Buffer.from(body).toString('utf8'));
      else {
        io.stdout.write(body);
        io.stdout.write('\n');
      }
    },
  });
  if (flags.json) {
    const { snapshot, error, ...summary } = result;
    io.stdout.write(
      `${JSON.stringify({ ...summary, error: error?.message ?? null, output }, null, 2)}\n`,
    );
  } else io.stderr.write(renderSummary(result));
  return result.error ? EXIT.runtime : EXIT.ok;
}
