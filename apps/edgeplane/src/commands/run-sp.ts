import { resolve } from 'node:path';
import { loadSpec, renderSummary, runSinglePass } from '@edgeplane/app-kit';
import { EdgeplaneError, readInputFile } from '@edgeplane/errors';
import { specPath, str } from '../args.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { governRun, runStages } from './governed.js';

/**
 * Largest `run --sp` input, from a file or standard input: 64 MiB. The single pass holds the whole
 * input in memory (it is a bring-up check, not a data path), so the input is bounded.
 */
export const SP_INPUT_MAX_BYTES: number = 64 * 1024 * 1024;

const tooLarge = (what: string): EdgeplaneError =>
  new EdgeplaneError(
    'invalid-input',
    'cli',
    `${what} is over the limit of ${SP_INPUT_MAX_BYTES} bytes`,
    {
      hint: 'run --sp takes a sample of up to 64 MiB; use `edgeplane run` with an adapter config for more',
    },
  );

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    length += buffer.length;
    if (length > SP_INPUT_MAX_BYTES) throw tooLarge('standard input (--input=-)');
    chunks.push(buffer);
  }
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
      : await readInputFile(resolve(io.cwd, input), {
          what: '--input file',
          maxBytes: SP_INPUT_MAX_BYTES,
          component: 'cli',
          from: '--input=',
          shown: input,
          code: 'invalid-input',
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
