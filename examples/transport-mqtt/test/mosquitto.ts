import { connect } from 'node:net';

/** The machine's Mosquitto: 127.0.0.1:1883, or EDGEPLANE_MQTT_URL. */
export const MQTT_URL = process.env.EDGEPLANE_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Resolves the broker's host and port, or throws with the fix: a missing broker fails, never skips. */
export async function mosquitto(): Promise<{
  url: string;
  host: string;
  port: number;
  stop: () => Promise<void>;
}> {
  const { hostname: host, port: p } = new URL(MQTT_URL);
  const port = Number(p || 1883);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, host, () => {
      socket.end();
      resolve();
    });
    socket.once('error', (e) =>
      reject(
        new Error(
          `no MQTT broker at ${MQTT_URL} (${e.message}): start mosquitto (apt-get install mosquitto; mosquitto -d) or set EDGEPLANE_MQTT_URL`,
        ),
      ),
    );
  });
  return { url: MQTT_URL, host, port, stop: async () => {} };
}
