import { TestServerError } from './errors.js';
import { which } from './exec.js';
import { ensureKafka, restartKafka, stopKafka } from './kafka.js';
import { ensureMachineService } from './machine.js';
import { cacheDir } from './paths.js';
import { ensureRabbitmqStream } from './rabbitmq.js';
import { setupRabbitmqStream } from './rabbitmq-setup.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: edgeplane-test-servers <command>
  ensure kafka|rabbitmq-stream|nats|redis|postgres|all   provide the server(s), print where
  stop kafka                                             stop the broker test-servers started
  restart kafka                                          restart it (same ports and data)
  setup-machine                                          root-only machine setup (RabbitMQ streams)
env: EDGEPLANE_CACHE_DIR (default ~/.cache/edgeplane), EDGEPLANE_KAFKA_BROKERS, EDGEPLANE_KAFKA_PORT,
     EDGEPLANE_RABBITMQ_STREAM_URL, EDGEPLANE_NATS_URL, EDGEPLANE_REDIS_URL, EDGEPLANE_POSTGRES_URL`;

const ALL = ['kafka', 'rabbitmq-stream', 'nats', 'redis', 'postgres'] as const;
type Target = (typeof ALL)[number];

async function ensureOne(target: Target): Promise<string> {
  const began = Date.now();
  const took = (): string => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  switch (target) {
    case 'kafka': {
      const s = await ensureKafka();
      const version = s.version ? `Apache Kafka ${s.version}` : 'external';
      return `${s.url} ${s.provenance} in ${took()} (${version}, cache ${cacheDir()})`;
    }
    case 'rabbitmq-stream': {
      const s = await ensureRabbitmqStream();
      const shim = s.needsPre311Shim ? ', client needs the <3.11 shim' : '';
      return `${s.url} ${s.provenance} in ${took()} (RabbitMQ ${s.version}${shim})`;
    }
    default: {
      const s = await ensureMachineService(target);
      return `${s.url} ${s.provenance} in ${took()} (${s.ping})`;
    }
  }
}

/** Runs one CLI invocation; resolves with the exit code (0 ok, 1 server failure, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, what] = argv;
  try {
    if (command === 'ensure' && what) {
      const targets = what === 'all' ? ALL : ALL.filter((t) => t === what);
      if (targets.length === 0) return usage(io, `unknown server ${what}`);
      let failed = 0;
      for (const target of targets) {
        try {
          io.out(`${target.padEnd(16)} ${await ensureOne(target)}`);
        } catch (error) {
          failed++;
          io.err(`${target.padEnd(16)} FAILED ${(error as Error).message}`);
        }
      }
      return failed ? 1 : 0;
    }
    if ((command === 'stop' || command === 'restart') && what === 'kafka') {
      if (command === 'restart') {
        await restartKafka();
        io.out('kafka restarted');
      } else {
        io.out((await stopKafka()) ? 'kafka stopped' : 'kafka: no broker started by test-servers');
      }
      return 0;
    }
    if (command === 'setup-machine') {
      for (const tool of ['java', 'mvn']) {
        if (!which(tool))
          io.err(`missing ${tool}: apt-get install -y openjdk-17-jre-headless maven`);
      }
      const did = await setupRabbitmqStream();
      io.out(`rabbitmq-stream: ${did.length ? did.join(', ') : 'already set up'}`);
      return 0;
    }
    return usage(io, command ? `unknown command ${argv.join(' ')}` : undefined);
  } catch (error) {
    io.err(
      error instanceof TestServerError ? error.message : String((error as Error).stack ?? error),
    );
    return 1;
  }
}

function usage(io: CliIo, problem: string | undefined): number {
  if (problem) io.err(`error: ${problem}`);
  io.err(USAGE);
  return 2;
}
