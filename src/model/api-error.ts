// The error body of the Messages API: `{type:'error', error:{type, message}, request_id}`. The CLI's SDK
// classifies retries by HTTP status and reads `error.type` / `error.message` for what it prints.

import type { ApiErrorType } from './types.js';

export interface ApiErrorBody {
  type: 'error';
  error: { type: ApiErrorType; message: string };
  request_id: string;
}

export function apiErrorBody(type: ApiErrorType, message: string, requestId: string): ApiErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId };
}
