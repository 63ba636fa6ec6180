import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestPki,
  type TestCertificate,
  type TestPki,
  tlsProxy,
  waitForTcp,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { workdir } from '../helpers.js';

const CLI = join(import.meta.dirname, '../../dist/cli.js');
/** A wrong TLS setting is refused at once, not after the retry budget (issue 16). */
const REFUSED_WITHIN_MS = 15_000;
const CASE_TIMEOUT_MS = 60_000;

/** Adapter options, `name → value` (written as `ingress.name=value` / `egress.name=value`). */
export type Options = Record<string, string>;

/** A host:port that presents a chosen certificate (a proxy to the real server, or another server). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * One transport against a private real server with TLS (certificates from the test PKI, client
 * certificates required) and authentication on.
 */
export interface TlsTarget {
  /** Transport name in the adapter config, e.g. `redis-streams`. */
  readonly transport: string;
  /** Starts the private server (TLS + auth on). */
  start(pki: TestPki): Promise<void>;
  stop(): Promise<void>;
  /**
   * Egress options writing to namespace `ns` over TLS with the right credentials, the CA
   * (`tlsCaFile`) and the client certificate (`tlsCertFile`, `tlsKeyFile`). Secrets as
   * `${VAR}` from `env`.
   */
  sinkOptions(ns: string, pki: TestPki): Options;
  /** Ingress options reading `ns` from its beginning over TLS. */
  sourceOptions(ns: string, pki: TestPki): Options;
  /** Environment the options interpolate (passwords, passphrases). */
  readonly env: Readonly<Record<string, string>>;
  /** The same options aimed at another endpoint (`host:port`). */
  at(options: Options, endpoint: Endpoint): Options;
  /** A plaintext endpoint of the real server, for `tlsProxy` (absent: `serve` must be given). */
  plaintext?(): Endpoint;
  /** An endpoint presenting `cert` (default: a `tlsProxy` to `plaintext()`). */
  serve?(cert: TestCertificate): Promise<Endpoint>;
  /** The options with TLS turned off (plaintext spoken to the TLS port). */
  withoutTls(options: Options): Options;
  /** The options with a wrong password. */
  withWrongPassword(options: Options): Options;
  /**
   * Push transports (HTTP, gRPC, WebSocket): the ingress listens (its `listenTls*` options) and
   * the egress dials it. Given, the round trip starts the X → file run first, waits until this
   * endpoint (where `sourceOptions` listen) accepts connections, then runs file → X with
   * `at(sinkOptions(ns), endpoint)`. The refused cases still aim the egress at the real peer
   * `start()` started.
   */
  sourceEndpoint?(options: Options): Endpoint;
  /** Text the hint for "plaintext to a TLS port" must contain, e.g. /rediss:\/\/|tls=true/. */
  readonly enableTlsHint: RegExp;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI as a real process (so Node's own warnings are seen too). */
export function runCli(
  dir: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS - 5_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const SPEC =
  'v=1\nname=tls\nmodel=single_ring\nsingle_ring.stages.0.id=fwd\nsingle_ring.stages.0.stage=identity\n';

const lines = (side: 'ingress' | 'egress', options: Options) =>
  Object.entries(options)
    .map(([k, v]) => `${side}.${k}=${v}`)
    .join('\n');

let seq = 0;
const namespace = (t: TlsTarget) => `ep-tls-${t.transport}-${process.pid}-${Date.now()}-${seq++}`;

/** file → X with `egress` options; returns the run. */
export async function fileTo(
  target: TlsTarget,
  egress: Options,
  input: string,
): Promise<RunResult> {
  const dir = workdir({
    'spec.kv': SPEC,
    'in.log': input,
    'adapters.kv': [
      'ingress.transport=file',
      'ingress.path=${EDGEPLANE_CONFIG_DIR}/in.log',
      `egress.transport=${target.transport}`,
      lines('egress', egress),
    ].join('\n'),
  });
  return runCli(
    dir,
    ['run', '--spec=spec.kv', '--config=adapters.kv', '--lane-path=lane'],
    target.env,
  );
}

/** X → file with `ingress` options, a bounded drain of `n` messages; returns the run and the output. */
export async function toFile(
  target: TlsTarget,
  ingress: Options,
  n: number,
): Promise<RunResult & { out: string }> {
  const dir = workdir({
    'spec.kv': SPEC,
    'adapters.kv': [
      `ingress.transport=${target.transport}`,
      lines('ingress', ingress),
      'egress.transport=file',
      'egress.path=${EDGEPLANE_CONFIG_DIR}/out.log',
    ].join('\n'),
  });
  const run = await runCli(
    dir,
    [
      'run',
      '--spec=spec.kv',
      '--config=adapters.kv',
      '--lane-path=lane',
      `--adapter-max-messages=${n}`,
    ],
    target.env,
  );
  let out = '';
  try {
    out = readFileSync(join(dir, 'out.log'), 'utf8');
  } catch {
    out = '';
  }
  return { ...run, out };
}

/** What every refused run must show: exit 2 soon, the option named, the fix, no stack, no secret. */
export function expectRefused(
  run: RunResult,
  target: TlsTarget,
  expected: { readonly option?: string; readonly message?: RegExp },
): void {
  const text = `${run.stdout}\n${run.stderr}`;
  expect(run.code, text).toBe(2);
  expect(run.ms, text).toBeLessThan(REFUSED_WITHIN_MS);
  if (expected.option) expect(text).toContain(`"${expected.option}"`);
  if (expected.message) expect(text).toMatch(expected.message);
  expect(text).toMatch(/hint:/);
  expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  for (const secret of Object.values(target.env)) expect(text).not.toContain(secret);
}

/**
 * The TLS cases every transport runs: a round trip over TLS with mutual TLS, an encrypted client
 * key and a password; and each wrong setting refused with exit 2, naming the option.
 */
export function tlsCases(target: TlsTarget): void {
  let pki: TestPki;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    pki = await createTestPki();
    await target.start(pki);
  }, 120_000);
  afterAll(async () => {
    for (const close of closers) await close();
    await target.stop();
  }, 60_000);

  const serve = async (cert: TestCertificate): Promise<Endpoint> => {
    if (target.serve) return target.serve(cert);
    if (!target.plaintext) throw new Error('the target gives neither serve() nor plaintext()');
    const proxy = await tlsProxy({ target: target.plaintext(), cert: cert.cert, key: cert.key });
    closers.push(() => proxy.close());
    return proxy;
  };
  const sink = () => target.sinkOptions(namespace(target), pki);

  it(
    'file → X → file over TLS: every line arrives, no warning is printed, no secret either',
    async () => {
      const ns = namespace(target);
      const input = `${Array.from({ length: 50 }, (_, i) => `tls line ${i}`).join('\n')}\n`;
      let write: RunResult;
      let read: RunResult & { out: string };
      if (target.sourceEndpoint) {
        const source = target.sourceOptions(ns, pki);
        const endpoint = target.sourceEndpoint(source);
        const reading = toFile(target, source, 50);
        await waitForTcp(endpoint.host, endpoint.port, 20_000);
        write = await fileTo(target, target.at(target.sinkOptions(ns, pki), endpoint), input);
        read = await reading;
      } else {
        write = await fileTo(target, target.sinkOptions(ns, pki), input);
        read = await toFile(target, target.sourceOptions(ns, pki), 50);
      }
      expect(write.code, write.stderr).toBe(0);
      expect(read.code, read.stderr).toBe(0);
      expect(read.out).toBe(input);
      for (const run of [write, read]) {
        expect(run.stderr).not.toMatch(/Warning|DEP0/);
        for (const secret of Object.values(target.env))
          expect(run.stderr + run.stdout).not.toContain(secret);
      }
    },
    CASE_TIMEOUT_MS,
  );

  const refused = (
    name: string,
    make: () => Promise<Options> | Options,
    expected: Parameters<typeof expectRefused>[2],
  ) =>
    it(
      name,
      async () => {
        expectRefused(await fileTo(target, await make(), 'one\n'), target, expected);
      },
      CASE_TIMEOUT_MS,
    );

  refused(
    'no tlsCaFile: the private CA is unknown',
    () => {
      const { tlsCaFile: _, ...rest } = sink();
      return rest;
    },
    { option: 'tlsCaFile', message: /not signed by a trusted CA/ },
  );
  refused('tlsCaFile of another CA', () => ({ ...sink(), tlsCaFile: pki.otherCa }), {
    option: 'tlsCaFile',
  });
  refused(
    'the server certificate has expired',
    async () => target.at(sink(), await serve(pki.serverExpired)),
    {
      option: 'tlsCaFile',
      message: /expired/,
    },
  );
  refused(
    'the server certificate is for another host',
    async () => target.at(sink(), await serve(pki.serverWrongHost)),
    {
      option: 'tlsServerName',
    },
  );
  refused(
    'the server requires a client certificate',
    () => {
      const { tlsCertFile: _c, tlsKeyFile: _k, tlsKeyPassphrase: _p, ...rest } = sink();
      return rest;
    },
    { option: 'tlsCertFile' },
  );
  refused(
    'the key is not the certificate’s',
    () => {
      const { tlsKeyPassphrase: _p, ...rest } = sink();
      return { ...rest, tlsKeyFile: pki.server.key };
    },
    { option: 'tlsKeyFile' },
  );
  refused('tlsCaFile is not a PEM file', () => ({ ...sink(), tlsCaFile: pki.notPem }), {
    option: 'tlsCaFile',
    message: /not a PEM file/,
  });
  refused(
    'tlsCaFile does not exist',
    () => ({ ...sink(), tlsCaFile: join(pki.dir, 'missing.pem') }),
    {
      option: 'tlsCaFile',
      message: /does not exist/,
    },
  );
  refused('plaintext spoken to the TLS port', () => target.withoutTls(sink()), {
    message: target.enableTlsHint,
  });
  refused('a wrong password', () => target.withWrongPassword(sink()), {});
}
