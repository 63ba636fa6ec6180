import { describeTransportConformance } from '../src/index.js';
import {
  createMemoryServer,
  createMemoryTransport,
  MEMORY_CAPABILITIES,
  type MemoryServer,
  memoryTransport,
  unreachableMemory,
} from './memory-transport.js';

// The suite's own check: a reference transport with every capability on, so that the key,
// header and message-framing cases (which the file transport skips) run somewhere.
describeTransportConformance<MemoryServer>({
  transport: 'memory',
  server: async () => createMemoryServer(),
  create: ({ server, ns, stateDir }) => createMemoryTransport(server, ns, stateDir),
  descriptor: memoryTransport,
  createBadOptions: () => ({ ns: 42 }),
  unreachable: () => unreachableMemory(),
  declares: MEMORY_CAPABILITIES,
});
