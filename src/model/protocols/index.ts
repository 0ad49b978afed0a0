// The API shapes the scripted model speaks, tried in order for each request (see ../protocol.ts).
import type { Protocol } from '../protocol.js';
import { anthropicProtocol } from './anthropic.js';

export const PROTOCOLS: readonly Protocol[] = [anthropicProtocol];
