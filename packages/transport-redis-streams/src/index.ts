/**
 * `@edgeplane/transport-redis-streams`: a Redis stream as an edgeplane ingress (through a
 * consumer group: `XREADGROUP`, `XACK` after the egress took the batch, `XAUTOCLAIM` for entries
 * of dead consumers) or egress (`XADD`, one pipeline per batch). Entry ids are positions.
 *
 * @module
 */

import { redisStreamsTransport } from './transport.js';

export { CONSUMER_FILE } from './group.js';
export type { RedisStreamsTransportOptions, ResolvedRedisStreamsOptions } from './options.js';
export type { RedisStreamsTransport } from './transport.js';
export {
  createRedisStreamsTransport,
  redisStreamsCapabilities,
  redisStreamsTransport,
} from './transport.js';

export default redisStreamsTransport;
