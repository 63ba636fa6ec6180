export {
  adapterKey,
  awaitingEgress,
  ringOccupancy,
  slowestStage,
  stagesBehind,
  type TopRates,
  topRates,
} from './figures.js';
export { renderTop, renderTopWaiting, TOP_WIDE_COLUMNS } from './render.js';
export type { TopRenderOptions, TopSnapshot, TopStageCounts, TopStatus } from './types.js';
export { createTopView, type TopReading, type TopView } from './view.js';
