import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoopSnapshot } from '@edgeplane/adapter-loop';
import { EdgeplaneError, type ErrorCode } from '@edgeplane/errors';
import { OPS_COMPONENT, parseOpsAddress } from './address.js';
import {
  DEFAULT_HEALTH_FAILURE_WINDOW_MS,
  DEFAULT_UNHEALTHY_FAILURES,
  healthOf,
  type ProbeResult,
  readinessOf,
} from './health.js';
import { createOpsMetrics, type OpsMetrics } from './metrics.js';

/** Options of `startOpsListener`. */
export interface OpsListenerOptions {
  /** `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`) or a bare port; port 0 picks a free one. */
  readonly listen: string;
  /** The live snapshot document (e.g. `() => loop.snapshot()`). */
  readonly snapshot: () => LoopSnapshot;
  /** The loop's metrics (`createOpsMetrics()`, wired to the loop hooks); default: a fresh set. */
  readonly metrics?: OpsMetrics;
  /**
   * `/healthz` turns 503 at this many failures in the last 60 s, counted over the adapters whose
   * incident is still open; default 5.
   */
  readonly unhealthyFailures?: number;
  /**
   * `/healthz` turns 503 when an adapter has been failing this long without recovering (ms; the
   * adapter config's `loop.healthFailureWindowMs`); default 60000.
   */
  readonly healthFailureWindowMs?: number;
  /** Clock of the probes, ms since the epoch (tests); default `Date.now`. */
  readonly now?: () => number;
  /** Accept a non-loopback host. The endpoints have no authentication: default false. */
  readonly allowNonLoopback?: boolean;
}

/** A running ops listener. */
export interface OpsListener {
  /** `http://HOST:PORT` with the real port. */
  readonly url: string;
  /** Stops accepting, drops keep-alive connections; idempotent. */
  close(): Promise<void>;
}

type Route = (snapshot: () => LoopSnapshot, res: ServerResponse) => Promise<void> | void;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(`${JSON.stringify(body)}\n`);
}

const probe =
  (check: (s: LoopSnapshot) => ProbeResult): Route =>
  (snapshot, res) => {
    const { status, body } = check(snapshot());
    sendJson(res, status, body);
  };

// Maps listen errors by errno (never by message): EADDRINUSE, EACCES, EADDRNOTAVAIL.
function listenError(cause: unknown, where: string): EdgeplaneError {
  const errno = (cause as NodeJS.ErrnoException).code;
  const [code, why]: [ErrorCode, string] =
    errno === 'EADDRINUSE'
      ? ['conflict', 'address already in use']
      : errno === 'EACCES'
        ? ['permission-denied', 'permission denied (ports below 1024 need privileges)']
        : ['unavailable', errno ?? String(cause)];
  return new EdgeplaneError(code, OPS_COMPONENT, `cannot listen on ${where}: ${why}`, {
    cause,
    details: { listen: where },
  });
}

/**
 * Serves the ops endpoints of a running loop: `GET /healthz`, `/readyz`, `/metrics` (Prometheus
 * text, a private registry) and `/snapshot` (the live document). Only loopback addresses unless
 * `allowNonLoopback`; throws `invalid-config` otherwise, and `conflict` when the port is taken.
 * The server is unref'd: it never keeps the process alive on its own.
 */
export async function startOpsListener(options: OpsListenerOptions): Promise<OpsListener> {
  const address = parseOpsAddress(options.listen, options.allowNonLoopback);
  const metrics = options.metrics ?? createOpsMetrics();
  const threshold = options.unhealthyFailures ?? DEFAULT_UNHEALTHY_FAILURES;
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new EdgeplaneError(
      'invalid-config',
      OPS_COMPONENT,
      `unhealthyFailures must be an integer >= 1, got ${threshold}`,
    );
  }
  const failureWindowMs = options.healthFailureWindowMs ?? DEFAULT_HEALTH_FAILURE_WINDOW_MS;
  if (!Number.isInteger(failureWindowMs) || failureWindowMs < 1) {
    throw new EdgeplaneError(
      'invalid-config',
      OPS_COMPONENT,
      `healthFailureWindowMs must be an integer >= 1, got ${failureWindowMs}`,
    );
  }
  const now = options.now ?? Date.now;
  const routes: Readonly<Record<string, Route>> = {
    '/healthz': probe((s) => healthOf(s, { unhealthyFailures: threshold, failureWindowMs }, now())),
    '/readyz': probe(readinessOf),
    '/snapshot': (snapshot, res) => sendJson(res, 200, snapshot()),
    '/metrics': async (snapshot, res) => {
      const text = await metrics.render(snapshot());
      res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
      res.end(text);
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route)
      return sendJson(res, 404, {
        error: `no such endpoint ${path}`,
        endpoints: Object.keys(routes),
      });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `method ${req.method} not allowed` });
    }
    try {
      await route(options.snapshot, res);
    } catch (error) {
      if (!res.headersSent)
        sendJson(res, 500, { error: EdgeplaneError.from(error, OPS_COMPONENT).message });
      else res.destroy();
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  const where = address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError(e, where)));
    server.listen({ host: address.host, port: address.port }, () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
