import type { AdapterSnapshot } from '@edgeplane/adapter-loop';
import type { TopSnapshot } from '../src/index.js';

/** Fixed snapshots of one run (pid 4242) for the `renderTop` tests: two seconds apart. */

const adapter = (a: Partial<AdapterSnapshot> & Pick<AdapterSnapshot, 'name'>): AdapterSnapshot => ({
  role: 'ingress',
  transport: 'file',
  connection_state: 'ready',
  message_count: 0,
  recent_failures: 0,
  last_error: null,
  last_error_at: null,
  cause: null,
  cause_at: null,
  stalled_since: null,
  lag: null,
  ...a,
});

/** 12:00:00: 10,000 in, 9,500 out, 9,000 acked; the egress is reconnecting after WRONGPASS. */
export const FIRST: TopSnapshot = {
  v: 1,
  captured_at: '2026-06-01T12:00:00.000Z',
  pid: 4242,
  spec_hash: 'sha256:abc',
  spec_name: 'orders',
  mode: 'adapter_loop',
  state: 'running',
  ingress_messages: 10_000,
  egress_messages: 9_500,
  acked_messages: 9_000,
  dropped_messages: 10,
  adapters: [
    adapter({ name: 'orders-in', transport: 'kafka', message_count: 10_000, lag: 1_234 }),
    adapter({
      name: 'orders-out',
      role: 'egress',
      transport: 'redis-streams',
      message_count: 9_500,
    }),
  ],
  ring: {
    capacity: 1024,
    cursor: 9_999,
    released: 9_499,
    gating: [
      { stage: 'parse', sequence: 9_990 },
      { stage: 'enrich', sequence: 9_600 },
    ],
  },
  ended_at: null,
  stop_reason: null,
  error: null,
};

/** 12:00:02: +20,000 in (10,000/s), +16,000 out and acked (8,000/s); the egress is reconnecting. */
export const SECOND: TopSnapshot = {
  ...FIRST,
  captured_at: '2026-06-01T12:00:02.000Z',
  ingress_messages: 30_000,
  egress_messages: 25_500,
  acked_messages: 25_000,
  dropped_messages: 12,
  adapters: [
    adapter({ name: 'orders-in', transport: 'kafka', message_count: 30_000, lag: 56_789 }),
    adapter({
      name: 'orders-out',
      role: 'egress',
      transport: 'redis-streams',
      connection_state: 'reconnecting',
      message_count: 25_500,
      recent_failures: 3,
      last_error: '[transport:redis-streams] the connection is down (reconnecting)',
      last_error_at: '2026-06-01T12:00:01.500Z',
      cause: '[transport:redis-streams] WRONGPASS invalid username-password pair',
      cause_at: '2026-06-01T12:00:01.000Z',
    }),
  ],
  ring: {
    capacity: 1024,
    cursor: 29_999,
    released: 29_231,
    gating: [
      { stage: 'parse', sequence: 29_990 },
      { stage: 'enrich', sequence: 29_300 },
    ],
  },
};

/** SECOND with a dead-letter binding, dead-lettered messages and per-stage counts. */
export const WITH_DEAD_LETTER: TopSnapshot = {
  ...SECOND,
  dead_lettered_messages: 7,
  adapters: [
    ...SECOND.adapters,
    adapter({ name: 'orders-dlq', role: 'dead_letter', transport: 'file', message_count: 7 }),
  ],
  stages: [
    { id: 'parse', key: 'json_parse', filtered: 0, rejected: 7 },
    { id: 'enrich', key: 'http_post:http://127.0.0.1:8080/enrich', filtered: 12, rejected: 0 },
  ],
};
/** WITH_DEAD_LETTER two seconds before: 3 dead-lettered, dlq 3. */
export const WITH_DEAD_LETTER_BEFORE: TopSnapshot = {
  ...FIRST,
  dead_lettered_messages: 3,
  adapters: [
    ...FIRST.adapters,
    adapter({ name: 'orders-dlq', role: 'dead_letter', transport: 'file', message_count: 3 }),
  ],
};

/** The run failed at 12:00:03: final snapshot. */
export const FAILED: TopSnapshot = {
  ...SECOND,
  captured_at: '2026-06-01T12:00:03.200Z',
  state: 'failed',
  ended_at: '2026-06-01T12:00:03.100Z',
  stop_reason: 'failed',
  error: '[transport:redis-streams] WRONGPASS invalid username-password pair',
};
