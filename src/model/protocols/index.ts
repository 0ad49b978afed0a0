// The API shapes the scripted model speaks, tried in order for each request (see ../protocol.ts).
import type { Protocol } from '../protocol.js';
import { anthropicProtocol } from './anthropic.js';
import { geminiProtocol } from './gemini.js';
import { openaiChatProtocol } from './openai-chat.js';
import { openaiResponsesProtocol } from './openai-responses.js';

export const PROTOCOLS: readonly Protocol[] = [
  anthropicProtocol,
  openaiResponsesProtocol,
  openaiChatProtocol,
  geminiProtocol,
];
