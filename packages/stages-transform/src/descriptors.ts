import { dedupeDescriptor } from './dedupe/descriptor.js';
import type { StageDescriptor } from './descriptor.js';
import { rateLimitDescriptor } from './rate-limit/descriptor.js';
import { redactDescriptor } from './redact/descriptor.js';

/** What each transform stage declares (key, summary, purity, settings), in catalog order. */
export const transformStageDescriptors: readonly StageDescriptor[] = [
  redactDescriptor,
  dedupeDescriptor,
  rateLimitDescriptor,
];
