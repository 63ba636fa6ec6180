import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import { createFileTransport, fileCapabilities, fileTransport } from '../src/index.js';

/** The "server" of a file transport is a directory: a fresh one per suite, removed afterwards. */
interface Directory {
  readonly dir: string;
}

const server = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ep-file-conformance-'));
  return { dir, stop: () => rm(dir, { recursive: true, force: true }) };
};

for (const follow of [false, true]) {
  describeTransportConformance<Directory>({
    transport: follow ? 'file (follow)' : 'file',
    server,
    // Source and sink of a test share one file, named by the test's namespace; the source keeps
    // its checkpoint in the per-test stateDir (passed as OpenContext.stateDir).
    create: ({ server: { dir }, ns }) =>
      createFileTransport({ path: join(dir, `${ns}.log`), follow, pollMs: 20 }),
    descriptor: fileTransport,
    createBadOptions: () => ({ path: join(tmpdir(), 'x.log'), maxLineBytes: 0 }),
    // A file under a directory that does not exist: open() as a source is `not-found`.
    unreachable: ({ server: { dir }, ns }) =>
      createFileTransport({ path: join(dir, 'no-such-directory', `${ns}.log`), follow }),
    declares: fileCapabilities('any.log'),
  });
}
