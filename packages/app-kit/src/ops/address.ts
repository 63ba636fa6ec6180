import { EdgeplaneError } from '@edgeplane/errors';

/** Component name in ops errors: messages start with `[ops]`. */
export const OPS_COMPONENT = 'ops';

/** A parsed `--ops-listen` value. */
export interface OpsAddress {
  /** Host to bind, without brackets (`127.0.0.1`, `::1`, `localhost`). */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly loopback: boolean;
}

const IPV4_LOOPBACK = /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || IPV4_LOOPBACK.test(h);
}

function invalid(listen: string, why: string, hint?: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    OPS_COMPONENT,
    `invalid ops listen address ${JSON.stringify(listen)}: ${why}`,
    {
      details: { listen },
      hint: hint ?? 'use HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464 (port 0 picks a free port)',
    },
  );
}

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT` or a bare `PORT` (meaning `127.0.0.1:PORT`). The listener is
 * unauthenticated, so a host that is not loopback is refused with `invalid-config` unless
 * `allowNonLoopback` is set.
 */
export function parseOpsAddress(listen: string, allowNonLoopback = false): OpsAddress {
  const text = listen.trim();
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!match) throw invalid(listen, 'expected HOST:PORT');
  const host = match[1] || match[2] || '127.0.0.1';
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port > 65_535)
    throw invalid(listen, `port ${match[3]} is out of range 0-65535`);
  const loopback = isLoopbackHost(host);
  if (!loopback && !allowNonLoopback) {
    throw invalid(
      listen,
      `${host} is not a loopback address and the ops endpoints are unauthenticated`,
      'listen on 127.0.0.1 or [::1] and scrape through a local agent, or allow non-loopback addresses explicitly',
    );
  }
  return { host, port, loopback };
}
