// Stops at the end of the run a Kafka broker that this run started (so CI leaves no daemon
// behind), and keeps one that was already running, as the machine had it.
import { isKafkaStartedHere, stopKafka } from '@edgeplane/test-servers';

export default function setup(): () => Promise<void> {
  const runningBefore = isKafkaStartedHere();
  return async () => {
    if (!runningBefore && !process.env.EDGEPLANE_KEEP_KAFKA) await stopKafka();
  };
}
