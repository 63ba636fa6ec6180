/**
 * `@edgeplane/transport-grpc/ingest`: the public contract of edgeplane's gRPC ingest service,
 * generated from `proto/edgeplane/v1/ingest.proto` (shipped in the package) with protoc-gen-es v2.
 * Other programs call an edgeplane gRPC ingress with it:
 *
 * @example
 * import { create } from '@bufbuild/protobuf';
 * import { createClient } from '@connectrpc/connect';
 * import { createGrpcTransport } from '@connectrpc/connect-node';
 * import { IngestService, MessageSchema } from '@edgeplane/transport-grpc/ingest';
 *
 * const client = createClient(IngestService, createGrpcTransport({ baseUrl: 'http://127.0.0.1:50051' }));
 * const body = new TextEncoder().encode('hello');
 * await client.ingest({ messages: [create(MessageSchema, { body, key: 'k1', headers: { a: 'b' } })] });
 *
 * @module
 */

export type { IngestRequest, IngestResponse, Message } from './gen/edgeplane/v1/ingest_pb.js';
export {
  file_edgeplane_v1_ingest,
  IngestRequestSchema,
  IngestResponseSchema,
  IngestService,
  MessageSchema,
} from './gen/edgeplane/v1/ingest_pb.js';
