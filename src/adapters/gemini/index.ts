// The Gemini CLI adapter: headless invocation (agent-clis.md §3.1, §3.4), the persona's permissions as a policy
// file (§3.2) and the stream-json parser (§3.3). Pure: no Docker, no engine.
import type { AgentAdapter } from '../types.js';
import { GEMINI_BINARY, geminiInvocation } from './invocation.js';
import { createGeminiParser } from './stream.js';

export {
  geminiInvocation,
  geminiSettings,
  GEMINI_BINARY,
  GEMINI_INSTRUCTIONS_HOME_FILE,
  GEMINI_POLICY_FILE,
  GEMINI_QUIET_ENV,
  GEMINI_SETTINGS_HOME_FILE,
} from './invocation.js';
export { geminiPolicyToml, projectGeminiPermissions, projectGeminiRule, type GeminiPolicyRule } from './permissions.js';
export { createGeminiParser, httpStatusOfExit, summarizeGeminiToolInput } from './stream.js';

export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  provider: 'google',
  binary: GEMINI_BINARY,
  invocation: geminiInvocation,
  createParser: createGeminiParser,
};
