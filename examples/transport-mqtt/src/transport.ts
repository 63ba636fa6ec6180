import {
  type ConnectionState,
  diagnoseTlsMismatch,
  type EdgeplaneError,
  isEdgeplaneError,
  type LoadedTls,
  loadTls,
  type OpenContext,
  type Transport,
  type TransportCapabilities,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import mqtt, { type MqttClient } from 'mqtt';
import { mapMqttError } from './errors.js';
import type { MqttTransportOptions } from './options.js';
import { Inbox } from './receive.js';
import { sendBatch } from './send.js';

/** What a topic (filter) allows: a wildcard filter can only be subscribed to. */
function capabilitiesFor(topic: string): TransportCapabilities {
  const filter = /[+#]/.test(topic);
  return {
    source: true,
    sink: !filter,
    // One topic keeps QoS 1 order (MQTT 5, 4.6); across the topics of a filter there is none.
    ordering: filter ? 'none' : 'total',
    redelivery: true, // unacknowledged messages stay in the persistent session
    replay: false, // MQTT keeps no history to resume from
    keys: true, // as the user property edgeplane-key
    headers: true, // as MQTT 5 user properties
    delivery: 'at-least-once',
    framing: 'message',
    maxInFlight: 1, // mqtt.js hands over the next message only after the PUBACK
  };
}

function connect(
  o: MqttTransportOptions,
  tls: LoadedTls | undefined,
  onLoss: (s: ConnectionState, e?: EdgeplaneError) => void,
  inbox: Inbox,
) {
  const client = mqtt.connect(o.url, {
    ...(tls ? tlsConnectOptions(tls, new URL(o.url).hostname) : {}),
    protocolVersion: 5,
    clientId: o.clientId,
    clean: false, // persistent session: subscription and unacknowledged messages survive
    properties: { sessionExpiryInterval: o.sessionExpirySec, receiveMaximum: 65_535 },
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 0, // open() reports the first failure; reconnects start once connected
    keepalive: o.keepaliveSec,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  client.handleMessage = inbox.handle;
  return new Promise<{ client: MqttClient; sessionPresent: boolean }>((resolve, reject) => {
    const fail = (error: unknown): void => {
      client.off('error', fail).off('close', closed);
      client.end(true);
      reject(mapMqttError(error, `cannot connect to ${o.url}`));
    };
    const closed = (): void =>
      fail(Object.assign(new Error('connection closed'), { code: 'ECONNREFUSED' }));
    client.once('error', fail);
    client.once('close', closed);
    client.once('connect', (connack) => {
      client.off('error', fail).off('close', closed); // only ours: mqtt.js has its own
      client.options.reconnectPeriod = o.reconnectPeriodMs;
      client.on('close', () => onLoss('reconnecting'));
      client.on('error', (e) =>
        onLoss('reconnecting', mapMqttError(e, 'connection to the broker')),
      );
      client.on('connect', () => onLoss('ready'));
      resolve({ client, sessionPresent: connack.sessionPresent });
    });
  });
}

async function closeClient(client: MqttClient): Promise<void> {
  if (!client.connected) {
    await client.endAsync(true).catch(() => undefined);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
  });
  await Promise.race([client.endAsync(false).catch(() => undefined), late]);
  clearTimeout(timer);
  if (!client.disconnected) await client.endAsync(true).catch(() => undefined);
}

/**
 * Creates an MQTT 5 transport (QoS 1, persistent session under `clientId`). As a source it
 * subscribes in `open()`, so what is published afterwards is kept for it even while it is
 * closed; as a sink `send` resolves `ok` once the broker acknowledged every message.
 * @throws EdgeplaneError `invalid-config` for bad options (use the descriptor to validate).
 */
export function createMqttTransport(options: MqttTransportOptions): Transport {
  const capabilities = capabilitiesFor(options.topic);
  let inbox = new Inbox();
  let client: MqttClient | undefined;
  let opening: Promise<void> | undefined;
  const transport: Transport = {
    name: 'mqtt',
    capabilities,
    open(context?: OpenContext) {
      opening ??= (async () => {
        inbox = new Inbox();
        const report = (s: ConnectionState, e?: EdgeplaneError) => context?.onStateChange?.(s, e);
        // The contract reads and checks the TLS files before connecting: a wrong one is a `tls`
        // error naming the option, at once.
        const tls = await loadTls(options, {
          component: 'transport:mqtt',
          enabled: options.tls === true || options.url.startsWith('mqtts:'),
          enableHint: 'use an mqtts:// url (or tls=true)',
        });
        const connected = await connect(
          options.tls === true
            ? { ...options, url: options.url.replace(/^mqtt:/, 'mqtts:') }
            : options,
          tls,
          report,
          inbox,
        ).catch(async (error: unknown) => {
          // TLS on one side only shows as a reset or a refused login: say which.
          if (isEdgeplaneError(error) && error.code === 'tls') throw error;
          const url = new URL(options.url);
          throw (
            (await diagnoseTlsMismatch(url.hostname, Number(url.port || (tls ? 8883 : 1883)), {
              component: 'transport:mqtt',
              tls: tls !== undefined,
              enableHint: 'use an mqtts:// url (or tls=true)',
              disableHint: 'use an mqtt:// url for a plaintext port',
            })) ?? error
          );
        });
        client = connected.client;
        if (context?.role === 'egress' || !capabilities.source) return;
        const subscribed = client.subscribeAsync(options.topic, { qos: 1 });
        // A resumed session already holds the subscription, and the broker may be resending a
        // held message: mqtt.js reads the SUBACK only after that message is acknowledged.
        if (connected.sessionPresent) {
          subscribed.catch((e: unknown) => report('reconnecting', mapMqttError(e, 'resubscribe')));
          return;
        }
        await subscribed.catch((e: unknown) => {
          client?.end(true);
          throw mapMqttError(e, `cannot subscribe to "${options.topic}"`);
        });
      })();
      return opening;
    },
    async close() {
      inbox.close();
      const c = client;
      client = undefined;
      // DISCONNECT after the PUBACKs already queued; what the loop did not acknowledge gets none
      // and is redelivered. A dead connection is dropped at once.
      if (c) await closeClient(c);
    },
    receive: ({ signal }) => inbox.receive(signal),
  };
  if (capabilities.sink) transport.send = (batch) => sendBatch(client, options.topic, batch);
  return transport;
}
