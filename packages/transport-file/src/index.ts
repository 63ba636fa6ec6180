/**
 * `@edgeplane/transport-file`: line-oriented files (and stdin/stdout) as an edgeplane ingress or
 * egress. One message per line, byte offsets as positions, a checkpoint for at-least-once.
 *
 * @module
 */

export type { FileTransportOptions, ResolvedFileOptions } from './options.js';
export { CHECKPOINT_FILE } from './source.js';
export type { FileTransport, FileTransportIo } from './transport.js';
export { createFileTransport, fileCapabilities, fileTransport } from './transport.js';
