/**
 * The transport contract, for transport authors: the `Transport` interface, `defineTransport`,
 * option helpers and the error type. Platform teams use the root entry (`createLoop`) instead.
 *
 * @module
 */

export type { EdgeplaneErrorOptions, ErrorCode } from '@edgeplane/errors';
export {
  EdgeplaneError,
  ERROR_CODES,
  INPUT_LIMITS,
  isEdgeplaneError,
  readInputFile,
} from '@edgeplane/errors';
/**
 * The zod this package is built with, for transport option schemas: `defineTransport` takes a
 * schema made with it, so an author needs no zod dependency of their own and the types always agree.
 */
export { z } from 'zod';
export { checkFailed, checkResult, checkSkipped } from './check.js';
export { CheckBudget } from './check-budget.js';
export type { VersionRange } from './check-run.js';
export { CheckRun, compareVersions, timedOk, versionCheck } from './check-run.js';
export type { TransportDefinition } from './options.js';
export { defineTransport, describeOptions, formatOptionIssues, kv } from './options.js';
export type { ConnectTimings, ProbeConnectOptions } from './probes.js';
export {
  CERT_EXPIRY_WARN_DAYS,
  checkDialTls,
  checkListenTls,
  probeConnect,
  probeListen,
} from './probes.js';
export { sendFailed, sendOk, sendPartial, sendRetryable } from './results.js';
export type { LoadedTls, LoadTlsContext, TlsConnectOptions } from './tls.js';
export { loadTls, tlsConnectOptions } from './tls.js';
export {
  classifyTlsError,
  diagnoseTlsMismatch,
  plaintextToTlsPortError,
  probeTlsPort,
} from './tls-errors.js';
export type {
  ListenTlsOptionFields,
  ListenTlsOptions,
  TlsServerOptions,
} from './tls-listen.js';
export { listenTlsOptionFields, loadListenTls } from './tls-listen.js';
export type { OptionalField, TlsOptionFields, TlsOptions } from './tls-options.js';
export { TLS_ONLY_OPTIONS, tlsOptionFields, tlsOptionSetWhileOff } from './tls-options.js';
export type {
  CheckContext,
  ConnectionState,
  GroupEvent,
  InboundBatch,
  InboundMessage,
  LagReading,
  OpenContext,
  OptionDescription,
  OutboundMessage,
  ReceiveOptions,
  RejectedMessage,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportCheck,
  TransportDescriptor,
} from './types.js';
