// PROOF OF CONCEPT, for the transport to own later: rabbitmq-stream-js-client 1.0.0 sends
// ExchangeCommandVersions (key 0x001b) right after `open`, unconditionally. Brokers before
// 3.11 do not know that command: they log "unknown command", send Close (key 0x0016 = 22) and
// drop the connection; the client has no decoder for a server-sent Close and throws
// `Unknown response 22` from its socket handler. Skipping the exchange when the peer's
// `version` property is < 3.11 is all it takes: the client already restricts itself to
// Publish v1 / Deliver v1 and no filtering or super streams for brokers < 3.13.
import { createRequire } from 'node:module';
import { isBeforeRabbitmq311 } from '../../src/index.js';

const require = createRequire(import.meta.url);

interface ConnectionInternals {
  peerProperties: Record<string, string>;
  exchangeCommandVersions(): Promise<boolean>;
}

let installed = false;

/** Patches Connection.prototype.exchangeCommandVersions to skip the exchange for < 3.11. */
export function installPre311Shim(): void {
  if (installed) return;
  const { Connection } = require('rabbitmq-stream-js-client/dist/connection.js') as {
    Connection: { prototype: ConnectionInternals };
  };
  const original = Connection.prototype.exchangeCommandVersions;
  Connection.prototype.exchangeCommandVersions = async function (this: ConnectionInternals) {
    if (isBeforeRabbitmq311(this.peerProperties.version ?? '0')) return true;
    return original.call(this);
  };
  installed = true;
}
