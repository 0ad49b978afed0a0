export { scrubber, secretValuesOf, chainScrubs, REDACTED, type Scrub } from './scrub.js';
export { createToolTrace, type ToolTrace } from './trace.js';
