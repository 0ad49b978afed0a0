// The scripted model: a server that speaks the providers' APIs and answers from a script (see README.md).
export { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from './server.js';
export { loadModelScript, parseModelScript, modelScriptFromObject } from './script-load.js';
export { STEP_MARKER, ATTEMPT_MARKER } from './markers.js';
export type { Protocol, ConversationView, Answer, ProtocolError, RouteMatch, ToolResultSeen } from './protocol.js';
export { SIDE_REQUEST_TEXT } from './respond.js';
export type {
  AnswerTurn,
  ApiErrorType,
  ErrorTurn,
  ModelScript,
  RecordedRequest,
  RequestKind,
  ScriptError,
  ScriptAction,
  ScriptCall,
  ScriptToolCall,
  ScriptTurn,
  StepScript,
  TurnUsage,
} from './types.js';
