export { scrubber, REDACTED, type Scrub } from './scrub.js';
export { createToolTrace, type ToolTrace } from './trace.js';
