// Stops at the end of the run a Kafka broker that this run started, so CI leaves no daemon
// behind, while one that was already running (e.g. `cli.js ensure kafka` on a developer
// machine) is kept. Within the run the broker is shared by all test files.
import { isKafkaStartedHere, stopKafka } from '../src/index.js';

export default function setup(): () => Promise<void> {
  const runningBefore = isKafkaStartedHere();
  return async () => {
    if (!runningBefore && !process.env.EDGEPLANE_KEEP_KAFKA) await stopKafka();
  };
}
