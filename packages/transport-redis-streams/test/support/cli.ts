import { cliSpec, cliWorkdir } from '@edgeplane/test-servers';

// The shared CLI test helpers (@edgeplane/test-servers), under the names these tests use.
export {
  type AdapterDoc,
  adapters,
  type CliResult,
  collect,
  crlfInput,
  EDGEPLANE_CLI as CLI,
  exited,
  fileLines as lines,
  readSnapshot,
  removeWorkdirs,
  runEdgeplane as runCli,
  type SnapshotDoc,
  sleep,
  startCli as start,
  until,
} from '@edgeplane/test-servers';

/** A SingleRing spec with one identity stage and the given ring capacity. */
export const spec = (capacity?: number): string => cliSpec('rs', capacity);

/** A temp dir with the given files (removed by `removeWorkdirs()`). */
export const workdir = (files?: Record<string, string | Buffer>): string =>
  cliWorkdir(files, 'ep-redis-streams-cli-');

import { Redis } from 'ioredis';

/** A plain client for test set-up and checks; `track()` names keys that `cleanup()` deletes. */
export class TestRedis {
  readonly client: Redis;
  private readonly keys: string[] = [];

  constructor(url: string) {
    this.client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.client.on('error', () => {}); // it reconnects by itself (the restart test)
  }

  static async connect(url: string): Promise<TestRedis> {
    const r = new TestRedis(url);
    await r.client.connect();
    return r;
  }

  track(key: string): string {
    this.keys.push(key);
    return key;
  }

  /** Appends `bodies` to `stream` as `body` fields, 5000 per pipeline. */
  async fill(stream: string, bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 5000) {
      const p = this.client.pipeline();
      for (const body of bodies.slice(i, i + 5000)) p.xadd(stream, '*', 'body', body);
      await p.exec();
    }
  }

  /** Every `body` field of `stream`, in order. */
  async bodies(stream: string): Promise<string[]> {
    const out: string[] = [];
    let from = '-';
    for (;;) {
      const page = await this.client.xrange(stream, from, '+', 'COUNT', 10_000);
      for (const [, fields] of page) out.push(fields[fields.indexOf('body') + 1] ?? '');
      if (page.length < 10_000) return out;
      from = `(${page[page.length - 1]?.[0]}`;
    }
  }

  /** Entries pending in `group` (delivered, not acknowledged) plus those not delivered yet. */
  async backlog(stream: string, group: string): Promise<{ pending: number; lag: number }> {
    const groups = (await this.client.xinfo('GROUPS', stream)) as unknown[][];
    const g = groups.find((f) => f[f.indexOf('name') + 1] === group) ?? [];
    return {
      pending: Number(g[g.indexOf('pending') + 1]),
      lag: Number(g[g.indexOf('lag') + 1]),
    };
  }

  async cleanup(): Promise<void> {
    if (this.keys.length > 0 && this.client.status === 'ready') await this.client.del(...this.keys);
    this.client.disconnect();
  }
}
