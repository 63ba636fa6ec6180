import type { StageDescriptor } from '../descriptor.js';

/** Largest `stages.<id>.rate`, messages per second. */
export const MAX_RATE = 10_000_000;
/** Largest `stages.<id>.burst`, messages. */
export const MAX_BURST = 10_000_000;

/** `rate_limit`: a token bucket that delays the ring instead of dropping. */
export const rateLimitDescriptor: StageDescriptor = {
  key: 'rate_limit',
  summary:
    'Caps throughput at `rate` messages per second with a token bucket; it backpressures (waits, so the ring fills and the ingress slows) and never drops or acknowledges early',
  pure: true,
  settings: [
    {
      name: 'rate',
      type: 'number',
      required: true,
      description: `Messages per second, above 0 (fractions allowed: 0.5 is one message every 2 s), at most ${MAX_RATE}.`,
    },
    {
      name: 'burst',
      type: 'integer',
      required: false,
      description: `Bucket size in messages: how many may pass at once after a quiet spell, 1-${MAX_BURST}. Default: \`rate\` rounded up (one second's worth).`,
    },
  ],
};
