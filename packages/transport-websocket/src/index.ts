/**
 * `@edgeplane/transport-websocket`: WebSocket (`ws`) as an edgeplane ingress (a server on
 * `listen`, or a client dialling `url` and reconnecting) or egress (a client dialling `url`). One
 * frame is one message, bytes unchanged. With the `edgeplane.v1` subprotocol the ingress acks
 * each message after egress success (at-least-once); with plain peers, at-most-once.
 *
 * @module
 */

import { webSocketTransport } from './transport.js';

export {
  ackFrame,
  type Control,
  type DataFrame,
  decodeControl,
  decodeData,
  encodeData,
  encodeMeta,
  HEADER_BYTES,
  MAX_META_BYTES,
  nackFrame,
  PROTOCOL,
} from './envelope.js';
export type {
  AckProtocol,
  ResolvedWebSocketOptions,
  WebSocketTransportOptions,
} from './options.js';
export { DEFAULT_MAX_PAYLOAD } from './options.js';
export type { WebSocketStats, WebSocketTransport } from './transport.js';
export {
  createWebSocketTransport,
  webSocketCapabilities,
  webSocketTransport,
} from './transport.js';

export default webSocketTransport;
