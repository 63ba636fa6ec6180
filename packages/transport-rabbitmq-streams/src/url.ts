/** What the client needs to reach the broker, parsed from `url` (+ `username` / `password`). */
export interface ConnectionTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  /** `host:port`, for messages: never the URL itself, which may carry a password. */
  readonly where: string;
}

const SHAPE = 'expected rabbitmq-stream://[user:password@]host[:port][/vhost]';

function parse(url: string): URL | undefined {
  if (!url.startsWith('rabbitmq-stream://')) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Why `url` is unusable (without echoing it), or `undefined`. */
export function urlProblem(url: string): string | undefined {
  const parsed = parse(url);
  if (!parsed?.hostname) return SHAPE;
  if (parsed.search || parsed.hash) return `${SHAPE}: no query or fragment`;
  if (parsed.pathname.slice(1).includes('/'))
    return `${SHAPE}: the path is the vhost, write a "/" inside it as %2F`;
  return undefined;
}

/**
 * The broker address of a valid `url`: port 5552, user and password `guest` and vhost `/` by
 * default; the path is the vhost (percent-decoded), as in AMQP URIs.
 */
export function connectionTarget(
  url: string,
  overrides: { readonly username?: string | undefined; readonly password?: string | undefined },
): ConnectionTarget {
  const parsed = parse(url) as URL;
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port || 5552);
  const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
  return {
    hostname,
    port,
    username: overrides.username ?? (decodeURIComponent(parsed.username) || 'guest'),
    password: overrides.password ?? (decodeURIComponent(parsed.password) || 'guest'),
    vhost,
    where: `${parsed.hostname}:${port}`,
  };
}
