import { cliSpec, cliWorkdir } from '@edgeplane/test-servers';

// The shared CLI test helpers (@edgeplane/test-servers), under the names these tests use.
export {
  adapters,
  type CliResult,
  crlfInput,
  EDGEPLANE_CLI as CLI,
  finished,
  readLines,
  readText,
  removeWorkdirs,
  runEdgeplane as runCli,
  sleep,
  startCli as start,
  until,
} from '@edgeplane/test-servers';

/** A SingleRing spec with one identity stage and the given ring capacity. */
export const spec = (capacity?: number): string => cliSpec('ws', capacity);

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export const workdir = (files?: Record<string, string | Buffer>): string =>
  cliWorkdir(files, 'ep-websocket-cli-');
