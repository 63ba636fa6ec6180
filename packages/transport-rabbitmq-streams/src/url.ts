/** What the client needs to reach the broker, parsed from `url` (+ `username` / `password`). */
export interface ConnectionTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  /** TLS is on: the url is `rabbitmq-stream+tls://`, or `tls=true`. */
  readonly tls: boolean;
  /** `host:port`, for messages: never the URL itself, which may carry a password. */
  readonly where: string;
}

const SHAPE = 'expected rabbitmq-stream[+tls]://[user:password@]host[:port][/vhost]';

/** The url scheme that turns TLS on (the one other RabbitMQ Stream clients use). */
export const TLS_SCHEME = 'rabbitmq-stream+tls:';
/** Default ports: the stream plugin's plaintext and TLS listeners. */
export const DEFAULT_PORT = 5552;
export const DEFAULT_TLS_PORT = 5551;

function parse(url: string): URL | undefined {
  if (!url.startsWith('rabbitmq-stream://') && !url.startsWith('rabbitmq-stream+tls://'))
    return undefined;
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

/** True when `url` is `rabbitmq-stream+tls://...`. */
export function isTlsUrl(url: string): boolean {
  return url.startsWith(`${TLS_SCHEME}//`);
}

/**
 * The broker address of a valid `url`: port 5552 (5551 when TLS is on), user and
 * password `guest` and vhost `/` by default; the path is the vhost (percent-decoded), as in AMQP
 * URIs. TLS is on with the `+tls` scheme or `tls=true`.
 */
export function connectionTarget(
  url: string,
  overrides: {
    readonly username?: string | undefined;
    readonly password?: string | undefined;
    readonly tls?: boolean | undefined;
  },
): ConnectionTarget {
  const parsed = parse(url) as URL;
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const tls = overrides.tls ?? isTlsUrl(url);
  const port = Number(parsed.port || (tls ? DEFAULT_TLS_PORT : DEFAULT_PORT));
  const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
  return {
    hostname,
    port,
    username: overrides.username ?? (decodeURIComponent(parsed.username) || 'guest'),
    password: overrides.password ?? (decodeURIComponent(parsed.password) || 'guest'),
    vhost,
    tls,
    where: `${parsed.hostname}:${port}`,
  };
}
