// The OpenAI platform's error responses, the same for the Responses and the Chat Completions APIs:
// `{error: {message, type, param, code}}` with the HTTP status and the request id.
import type { ServerResponse } from 'node:http';
import { retryAfterHeader, sendJson } from '../http.js';
import type { ProtocolError } from '../protocol.js';
import type { ApiErrorType } from '../types.js';

export function writeOpenAiError(res: ServerResponse, error: ProtocolError, requestId: string): void {
  const { type, code, param } = openAiError(error.type);
  sendJson(
    res,
    error.status,
    { error: { message: error.message, type, param, code } },
    { 'x-request-id': requestId, ...retryAfterHeader(error.retryAfter) },
  );
}

/** The script's (Anthropic) error type → the Responses API's type and code, as the real API sends them. */
function openAiError(type: ApiErrorType): { type: string; code: string | null; param: string | null } {
  switch (type) {
    case 'authentication_error':
      return { type: 'invalid_request_error', code: 'invalid_api_key', param: null };
    case 'permission_error':
      return { type: 'invalid_request_error', code: 'unsupported_country_region_territory', param: null };
    case 'not_found_error':
      return { type: 'invalid_request_error', code: 'model_not_found', param: null };
    case 'request_too_large':
      // Codex reads this code as "ran out of room in the model's context window".
      return { type: 'invalid_request_error', code: 'context_length_exceeded', param: 'input' };
    case 'rate_limit_error':
      return { type: 'requests', code: 'rate_limit_exceeded', param: null };
    case 'api_error':
      return { type: 'server_error', code: null, param: null };
    case 'overloaded_error':
      return { type: 'server_error', code: 'server_is_overloaded', param: null };
    default:
      return { type: 'invalid_request_error', code: null, param: null };
  }
}
