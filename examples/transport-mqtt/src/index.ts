/**
 * `edgeplane-transport-mqtt`: an MQTT 5 transport (QoS 1, persistent session) for
 * `@edgeplane/adapter-loop`, built with mqtt.js. The CLI finds it by name:
 * `ingress.transport=mqtt`.
 *
 * @module
 */
import { defineTransport } from '@edgeplane/adapter-loop/transport';
import { mqttTransportOptions } from './options.js';
import { createMqttTransport } from './transport.js';

export type { MqttTransportOptions } from './options.js';
export { createMqttTransport, mqttTransportOptions };

/** The descriptor the CLI loads (`ingress.transport=mqtt`): validates options, then creates. */
export const mqttTransport = defineTransport({
  name: 'mqtt',
  summary: 'MQTT 5 broker topic: QoS 1, persistent session, at-least-once (mqtt.js)',
  options: mqttTransportOptions,
  create: createMqttTransport,
});

export default mqttTransport;
