// The scripted model: an Anthropic-Messages-compatible server that answers from a script (see README.md).
export { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from './server.js';
export { loadModelScript, parseModelScript, modelScriptFromObject } from './script-load.js';
export { STEP_MARKER, ATTEMPT_MARKER, findStepId } from './request-read.js';
export { SIDE_REQUEST_TEXT } from './respond.js';
export type {
  AnswerTurn,
  ApiErrorType,
  ErrorTurn,
  ModelScript,
  RecordedRequest,
  RequestKind,
  ScriptError,
  ScriptToolCall,
  ScriptTurn,
  StepScript,
  TurnUsage,
} from './types.js';
