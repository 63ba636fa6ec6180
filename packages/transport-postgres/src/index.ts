/**
 * `@edgeplane/transport-postgres`: a PostgreSQL table as an edgeplane ingress (a queue read in the
 * order of a monotonic column: one reader with its checkpoint in the lane, or several sharing the
 * table with `FOR UPDATE SKIP LOCKED`; `LISTEN/NOTIFY` wakes them) or egress (each batch in one
 * transaction, `COPY FROM STDIN` or multi-row `INSERT`, idempotent on the message id).
 *
 * @module
 */

import { postgresTransport } from './transport.js';

export { CHECKPOINT_FILE } from './checkpoint.js';
export type { PostgresMode, PostgresTransportOptions, ResolvedPostgresOptions } from './options.js';
export type { PostgresTransport } from './transport.js';
export {
  createPostgresTransport,
  postgresCapabilities,
  postgresSingleCapabilities,
  postgresTransport,
} from './transport.js';

export default postgresTransport;
