import { describeTransportConformance } from '../src/index.js';
import { memoryTransport } from './memory-transport.js';
import {
  createRendezvousServer,
  createRendezvousTransport,
  RENDEZVOUS_CAPABILITIES,
  type RendezvousServer,
  unreachableRendezvous,
} from './rendezvous-transport.js';

// The suite's own check of the `synchronous` handoff (HTTP, gRPC, WebSocket ingress): the
// sink's send is ok only once the source acknowledged, so seed() must not wait for it.
describeTransportConformance<RendezvousServer>({
  transport: 'rendezvous',
  handoff: 'synchronous',
  server: async () => createRendezvousServer(),
  create: ({ server, ns }) => createRendezvousTransport(server, ns),
  descriptor: { ...memoryTransport, name: 'rendezvous' },
  createBadOptions: () => ({ ns: 42 }),
  unreachable: () => unreachableRendezvous(),
  declares: RENDEZVOUS_CAPABILITIES,
});
