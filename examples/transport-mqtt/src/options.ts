import { kv, type TlsOptions, tlsOptionFields, z } from '@edgeplane/adapter-loop/transport';

/**
 * Options of the MQTT transport (strings from an adapter config are accepted too). The TLS
 * options are the contract's shared ones (`tlsCaFile`, `tlsCertFile`...); `mqtts://` turns TLS on.
 */
export interface MqttTransportOptions extends TlsOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  readonly url: string;
  /** Topic to publish to (sink) and topic filter to subscribe to (source); `+`/`#` make it source-only. */
  readonly topic: string;
  /** Client id; the broker keeps the persistent session (subscription, unacked messages) under it. */
  readonly clientId: string;
  /** How long the broker keeps the session after a disconnect, seconds. */
  readonly sessionExpirySec: number;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Gives up connecting in `open()` after this long, ms. */
  readonly connectTimeoutMs: number;
  /** Wait between reconnect attempts after a connection loss, ms. */
  readonly reconnectPeriodMs: number;
  /** MQTT keepalive, seconds. */
  readonly keepaliveSec: number;
}

/** The zod schema (zod comes from `@edgeplane/adapter-loop/transport`: no zod dependency here). */
export const mqttTransportOptions = z.object({
  url: z
    .string()
    .regex(/^mqtts?:\/\/[^/]+/, 'expected mqtt://host:port or mqtts://host:port')
    .meta({ description: 'broker URL, mqtt://host:port or mqtts://host:port' }),
  topic: z
    .string()
    .min(1)
    .meta({ description: 'topic to publish to; as a source, the topic filter to subscribe to' }),
  clientId: z.string().min(1).max(128).meta({
    description: 'client id: the broker keeps the persistent session under it (one per binding)',
  }),
  sessionExpirySec: kv.int(0, 4_294_967_295).default(86_400).meta({
    description:
      'seconds the broker keeps the session (subscription, unacknowledged messages) after a disconnect',
  }),
  username: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'user name, if the broker wants one' }),
  password: kv.secret().optional().meta({ description: 'password (secret)' }),
  connectTimeoutMs: kv
    .int(100, 600_000)
    .default(5000)
    .meta({ description: 'open() gives up connecting after this long, ms' }),
  reconnectPeriodMs: kv
    .int(100, 600_000)
    .default(1000)
    .meta({ description: 'wait between reconnect attempts after a connection loss, ms' }),
  keepaliveSec: kv.int(0, 65_535).default(30).meta({ description: 'MQTT keepalive, seconds' }),
  // The shared TLS options, declared the way every edgeplane transport declares them.
  ...tlsOptionFields,
});
