// The shared stream mechanism, as one import for the adapters' stream.ts files.
export { classifyErrorText, classifyFailure, classifyHttpStatus, type FailureEvidence } from './classify.js';
export { arr, defined, int, isObject, num, parseJsonLine, parseJsonLines, str, type JsonObject } from './json.js';
export { classified, describeExit, failed, succeeded, REASON_MAX, type Verdict } from './outcome.js';
export { AgentStream, type OutcomeFigures, type ResultFields } from './parser.js';
export { commandSummary, fileWriteSummary, jsonSummary, truncate, TOOL_JSON_MAX, TOOL_RESULT_MAX } from './summary.js';
export { toolResult, type ToolCall } from './tools.js';
export { usageEvent, zeroUsage } from './usage.js';
