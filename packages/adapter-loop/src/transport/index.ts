/**
 * The transport contract, for transport authors: the `Transport` interface, `defineTransport`,
 * option helpers and the error type. Platform teams use the root entry (`createLoop`) instead.
 *
 * @module
 */
export { EdgeplaneError, isEdgeplaneError, ERROR_CODES } from '@edgeplane/errors';
export type { ErrorCode, EdgeplaneErrorOptions } from '@edgeplane/errors';
export type {
  ConnectionState,
  InboundBatch,
  InboundMessage,
  LagReading,
  OpenContext,
  OptionDescription,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportDescriptor,
} from './types.js';
export { defineTransport, describeOptions, formatOptionIssues, kv } from './options.js';
export type { TransportDefinition } from './options.js';
export { sendOk, sendFailed, sendRetryable } from './results.js';
