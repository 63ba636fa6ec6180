import { connect } from 'nats';

/** Deletes JetStream streams (missing ones are fine): JetStream keeps them in the server's store. */
export async function deleteStreams(url: string, names: Iterable<string>): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of names) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
