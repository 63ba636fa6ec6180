/**
 * `@edgeplane/transport-http`: an HTTP server as an edgeplane ingress (the response is the
 * acknowledgement: 204 once the egress took the message, 429 with `Retry-After` when the window
 * is full) and an HTTP client as an egress (one POST per message over keep-alive connections, or
 * NDJSON batches), with Node's `http`/`https` and undici.
 *
 * @module
 */

import { httpTransport } from './transport.js';

export type { IngressStats } from './ingress.js';
export type { HttpTransportOptions, ResolvedHttpOptions } from './options.js';
export type { HttpTransport } from './transport.js';
export {
  createHttpTransport,
  httpCapabilities,
  httpDefaultCapabilities,
  httpTransport,
} from './transport.js';
export { signBody } from './wire.js';

export default httpTransport;
