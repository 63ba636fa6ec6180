/** Whether the options speak TLS: `tls=true`, or a `tls://` server URL. */
export function tlsEnabled(o: {
  readonly tls?: boolean | undefined;
  readonly servers: readonly string[];
}): boolean {
  return o.tls === true || o.servers.some((s) => /^tls:\/\//i.test(s));
}
