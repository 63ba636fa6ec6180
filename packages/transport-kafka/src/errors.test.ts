import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { describe, expect, it } from 'vitest';
import {
  codeOf,
  isMembershipError,
  isProducerStateError,
  kafkaError,
  rootCause,
} from './errors.js';

/** A stand-in for a kafkajs error: the mapping reads only name, type, code and causes. */
function native(name: string, fields: Record<string, unknown> = {}, message = 'boom'): Error {
  return Object.assign(new Error(message), { name, ...fields });
}

describe('kafka error mapping', () => {
  it.each([
    [native('KafkaJSConnectionError', { code: 'ECONNREFUSED' }), 'unavailable'],
    [native('KafkaJSConnectionClosedError'), 'unavailable'],
    [native('KafkaJSRequestTimeoutError'), 'timeout'],
    [native('KafkaJSSASLAuthenticationError'), 'unauthenticated'],
    [native('KafkaJSProtocolError', { type: 'SASL_AUTHENTICATION_FAILED' }), 'unauthenticated'],
    [native('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }), 'permission-denied'],
    [native('KafkaJSProtocolError', { type: 'GROUP_AUTHORIZATION_FAILED' }), 'permission-denied'],
    [native('KafkaJSProtocolError', { type: 'UNKNOWN_TOPIC_OR_PARTITION' }), 'not-found'],
    [native('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE' }), 'too-large'],
    [native('KafkaJSProtocolError', { type: 'NOT_LEADER_FOR_PARTITION' }), 'unavailable'],
    [native('KafkaJSProtocolError', { type: 'REQUEST_TIMED_OUT' }), 'timeout'],
    [native('KafkaJSProtocolError', { type: 'INVALID_SESSION_TIMEOUT' }), 'invalid-config'],
    [native('KafkaJSProtocolError', { type: 'REBALANCE_IN_PROGRESS' }), 'conflict'],
    [native('KafkaJSProtocolError', { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }), 'unavailable'],
    [native('KafkaJSProtocolError', { type: 'UNSUPPORTED_VERSION' }), 'protocol'],
    [native('KafkaJSBrokerNotFound'), 'unavailable'],
    [native('Error', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'unauthenticated'],
    [native('Error', { code: 'ENOTFOUND' }), 'unavailable'],
    [native('TypeError'), 'internal'],
  ])('%s → %s', (error, code) => {
    expect(codeOf(error)).toBe(code);
  });

  it('unwraps retry exhaustion and aggregate errors to the cause', () => {
    const cause = native('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const wrapped = native('KafkaJSNumberOfRetriesExceeded', { cause });
    expect(rootCause(wrapped)).toBe(cause);
    expect(codeOf(native('KafkaJSNonRetriableError', { cause: wrapped }))).toBe(
      'permission-denied',
    );
    expect(codeOf(native('KafkaJSAggregateError', { errors: [cause] }))).toBe('permission-denied');
  });

  it('names the action and the protocol error type, scrubs secrets, keeps the cause', () => {
    const error = native(
      'KafkaJSProtocolError',
      { type: 'SASL_AUTHENTICATION_FAILED' },
      'SASL Authentication failed for user with password hunter22',
    );
    const e = kafkaError(error, 'connect a producer for "orders"', ['hunter22']);
    expect(e).toBeInstanceOf(EdgeplaneError);
    expect(e.message).toBe(
      '[transport:kafka] cannot connect a producer for "orders": SASL Authentication failed for user with password [redacted] (SASL_AUTHENTICATION_FAILED)',
    );
    expect(e.hint).toMatch(/saslMechanism/);
    expect(e.cause).toBe(error);
    expect(e.retryable).toBe(false);
    expect(kafkaError(native('KafkaJSConnectionError'), 'x').retryable).toBe(true);
  });

  it('recognises membership and producer-state errors', () => {
    expect(isMembershipError(native('KafkaJSProtocolError', { type: 'ILLEGAL_GENERATION' }))).toBe(
      true,
    );
    expect(isMembershipError(native('KafkaJSConnectionError'))).toBe(false);
    expect(
      isProducerStateError(native('KafkaJSProtocolError', { type: 'UNKNOWN_PRODUCER_ID' })),
    ).toBe(true);
  });
});
