import { TestServerError } from './errors.js';
import { withLock } from './lock.js';
import { waitForTcp } from './net.js';
import { cacheDir } from './paths.js';
import { setupRabbitmqStream, streamConfIsCurrent } from './rabbitmq-setup.js';
import { streamPeerProperties } from './stream-protocol.js';
import type { Provenance, ServerFactory, TestServer } from './types.js';

export interface RabbitmqStreamTestServer extends TestServer {
  /** `rabbitmq-stream://user:pass@host:port/vhost` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  /** The broker's `version` peer property, e.g. `3.10.8`. */
  readonly version: string;
  /**
   * True for brokers before 3.11, which do not know ExchangeCommandVersions: a client must not
   * send it to them (see README: rabbitmq-stream-js-client 1.0.0 does, and fails).
   */
  readonly needsPre311Shim: boolean;
  readonly provenance: Provenance;
}

/** True when a `major.minor[.patch]` version is before 3.11. */
export function isBeforeRabbitmq311(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return major < 3 || (major === 3 && minor < 11);
}

const DEFAULT_URL = 'rabbitmq-stream://guest:guest@127.0.0.1:5552/';

async function describe(url: string, provenance: Provenance): Promise<RabbitmqStreamTestServer> {
  const parsed = new URL(url);
  const host = parsed.hostname;
  const port = Number(parsed.port || 5552);
  const props = await streamPeerProperties(host, port);
  const version = props.version ?? '0';
  const vhostPath = decodeURIComponent(parsed.pathname.slice(1));
  return {
    url,
    host,
    port,
    username: decodeURIComponent(parsed.username || 'guest'),
    password: decodeURIComponent(parsed.password || 'guest'),
    vhost: vhostPath || '/',
    version,
    needsPre311Shim: isBeforeRabbitmq311(version),
    provenance,
    stop: async () => {},
  };
}

/**
 * Provides RabbitMQ Streams: `$EDGEPLANE_RABBITMQ_STREAM_URL` if set; else the machine's
 * RabbitMQ on 127.0.0.1:5552, first making sure (idempotently; root needed the first time)
 * that it runs, has `rabbitmq_stream` enabled and advertises 127.0.0.1:5552.
 * `stop()` does nothing: the broker is the machine's.
 */
export async function ensureRabbitmqStream(): Promise<RabbitmqStreamTestServer> {
  const env = process.env.EDGEPLANE_RABBITMQ_STREAM_URL?.trim();
  if (env) {
    try {
      return await describe(env, 'env');
    } catch (error) {
      throw new TestServerError(
        'rabbitmq-stream',
        `EDGEPLANE_RABBITMQ_STREAM_URL=${env} does not speak the stream protocol: ${(error as Error).message}`,
        'start that broker with the rabbitmq_stream plugin, or unset the variable',
        { cause: error },
      );
    }
  }
  if (streamConfIsCurrent()) {
    try {
      return await describe(DEFAULT_URL, 'reused');
    } catch {
      // not answering yet: set it up below
    }
  }
  return withLock(`${cacheDir()}/rabbitmq-setup.lock`, 5 * 60_000, async () => {
    const did = await setupRabbitmqStream();
    try {
      await waitForTcp('127.0.0.1', 5552, 60_000);
      return await describe(DEFAULT_URL, did.length ? 'started' : 'reused');
    } catch (error) {
      throw new TestServerError(
        'rabbitmq-stream',
        `127.0.0.1:5552 does not answer the stream protocol after setup (${did.join(', ') || 'nothing to do'}): ${(error as Error).message}`,
        'check `rabbitmq-diagnostics listeners` and /var/log/rabbitmq/*.log',
        { cause: error },
      );
    }
  });
}

/** A `ServerFactory` for RabbitMQ Streams; see `ensureRabbitmqStream`. */
export function rabbitmqStreamServer(): ServerFactory<RabbitmqStreamTestServer> {
  return ensureRabbitmqStream;
}
