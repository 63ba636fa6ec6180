/**
 * `@edgeplane/transport-grpc`: gRPC (unary) for edgeplane. The ingress is a server of
 * `edgeplane.v1.IngestService/Ingest` (proto/edgeplane/v1/ingest.proto) speaking gRPC, gRPC-Web
 * and Connect on one port, answering a call only once the egress took its messages (the answer
 * is the acknowledgement); the egress calls that method, or a user's method of the same shape.
 * The generated message and service types are at `@edgeplane/transport-grpc/ingest`.
 *
 * @module
 */

import { grpcTransport } from './transport.js';

export type { IngressStats } from './ingress.js';
export type { GrpcProtocol, GrpcTransportOptions, ResolvedGrpcOptions } from './options.js';
export { DEFAULT_METHOD } from './options.js';
export type { GrpcTransport } from './transport.js';
export { createGrpcTransport, grpcCapabilities, grpcTransport } from './transport.js';

export default grpcTransport;
