/**
 * `@edgeplane/transport-s3`: S3 (AWS S3, MinIO and compatible servers) as an edgeplane ingress
 * (the objects under a bucket and prefix in key order, as lines or whole objects, gzip decoded,
 * checkpointed by key and byte offset in the lane after each acknowledgement) or egress (each
 * batch one object, under a key template whose `{seq}` makes a retried batch overwrite itself).
 *
 * @module
 */

import { s3Transport } from './transport.js';

export type { ResolvedS3Options, S3TransportOptions } from './options.js';
export { CHECKPOINT_FILE, formatPosition, parsePosition, readCheckpointFile } from './position.js';
export { SEQUENCE_FILE } from './sequence.js';
export type { S3Transport } from './transport.js';
export { createS3Transport, s3Capabilities, s3CapabilitiesFor, s3Transport } from './transport.js';

export default s3Transport;
