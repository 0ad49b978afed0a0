// The Claude Code adapter: headless invocation (agent-clis.md §1.1), permission projection into Claude's rule syntax
// (§1.2), and the stream-json parser (§1.3, §1.5, §5). Pure: no Docker, no engine.
import type { AgentAdapter } from '../types.js';
import { CLAUDE_BINARY, claudeInvocation } from './invocation.js';
import { createClaudeParser } from './stream.js';

export {
  claudeInvocation,
  claudeSettings,
  CLAUDE_BINARY,
  CLAUDE_INSTRUCTIONS_FILE,
  CLAUDE_QUIET_ENV,
  CLAUDE_SETTINGS_FILE,
} from './invocation.js';
export {
  projectClaudePermissions,
  projectClaudeRule,
  type ClaudePermissionMode,
  type ClaudePermissions,
} from './permissions.js';
export { createClaudeParser, summarizeClaudeToolInput } from './stream.js';

export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  provider: 'anthropic',
  binary: CLAUDE_BINARY,
  invocation: claudeInvocation,
  createParser: createClaudeParser,
};
