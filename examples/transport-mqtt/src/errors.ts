import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
} from '@edgeplane/adapter-loop/transport';

/** Socket errno → code. Pinned by the conformance case "an unreachable server gives unavailable". */
const ERRNO: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  EPIPE: 'unavailable',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'not-found',
  EAI_AGAIN: 'unavailable',
};

/**
 * MQTT reason codes (v5 CONNACK/PUBACK/SUBACK) → code. 134/135 and v3's 4/5 are pinned by
 * test/errors.test.ts; the rest follow the MQTT 5 spec's meaning.
 */
const REASON: Readonly<Record<number, ErrorCode>> = {
  4: 'unauthenticated', // v3.1.1: bad user name or password
  5: 'permission-denied', // v3.1.1: not authorized
  128: 'unavailable', // unspecified error
  133: 'invalid-config', // client identifier not valid
  134: 'unauthenticated', // bad user name or password
  135: 'permission-denied', // not authorized
  136: 'unavailable', // server unavailable
  137: 'unavailable', // server busy
  144: 'invalid-config', // topic name invalid
  149: 'too-large', // packet too large
  151: 'unavailable', // quota exceeded
};

/** Maps an mqtt.js or socket error to an EdgeplaneError (the only place that knows them). */
export function mapMqttError(error: unknown, what: string): EdgeplaneError {
  // A certificate problem is the contract's to name: a permanent `tls` error with the option.
  const tls = classifyTlsError(error, { component: 'transport:mqtt' });
  if (tls) return tls;
  const code = (error as { code?: unknown } | null)?.code;
  const mapped =
    typeof code === 'string' ? ERRNO[code] : typeof code === 'number' ? REASON[code] : undefined;
  const cause = error instanceof Error ? error.message : String(error);
  return new EdgeplaneError(mapped ?? 'unavailable', 'transport:mqtt', `${what}: ${cause}`, {
    cause: error,
    hint:
      mapped === 'unauthenticated' || mapped === 'permission-denied'
        ? 'check `username` / `password` and the broker ACL for `topic`'
        : 'check that the broker runs at `url` and is reachable',
  });
}
