import { dedupeDescriptor } from './dedupe/descriptor.js';
import type { StageDescriptor } from './descriptor.js';
import { filterDescriptor, mapDescriptor, parseDescriptor } from './descriptors-part1.js';
import { rateLimitDescriptor } from './rate-limit/descriptor.js';
import { redactDescriptor } from './redact/descriptor.js';

/** What each transform stage declares (key, summary, purity, settings), in catalog order. */
export const transformStageDescriptors: readonly StageDescriptor[] = [
  parseDescriptor,
  filterDescriptor,
  mapDescriptor,
  redactDescriptor,
  dedupeDescriptor,
  rateLimitDescriptor,
];
