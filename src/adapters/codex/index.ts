// The OpenAI Codex CLI adapter: headless invocation (agent-clis.md §4.1), permission projection into Codex's own
// levers (§4.2) and the `codex exec --json` parser (§4.3, §4.4, §5). Pure: no Docker, no engine.
import type { AgentAdapter } from '../types.js';
import { CODEX_BINARY, codexInvocation } from './invocation.js';
import { codexUnenforceable } from './permissions.js';
import { createCodexParser } from './stream.js';

export {
  codexConfigToml,
  codexInvocation,
  CODEX_BINARY,
  CODEX_CONFIG_FILE,
  CODEX_KEY_ENV,
  CODEX_PROVIDER,
  CODEX_RULES_FILE,
} from './invocation.js';
export {
  codexCommandPrefix,
  codexRules,
  codexUnenforceable,
  projectCodexPermissions,
  type CodexPermissions,
} from './permissions.js';
export { classifyCodexError, createCodexParser, summarizeCodexItem } from './stream.js';

export const codexAdapter: AgentAdapter = {
  name: 'codex',
  provider: 'openai',
  binary: CODEX_BINARY,
  unenforceable: codexUnenforceable,
  invocation: codexInvocation,
  createParser: createCodexParser,
};
