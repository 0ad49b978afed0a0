// The OpenCode adapter: headless invocation (agent-clis.md §2.1), the per-step config with the permission projection
// (§2.2), and the `run --format json` parser (§2.3, §2.5, §5). Pure: no Docker, no engine.
import type { AgentAdapter } from '../types.js';
import { OPENCODE_BINARY, opencodeInvocation, opencodeProviderFor } from './invocation.js';
import { createOpencodeParser } from './stream.js';

export {
  opencodeConfig,
  opencodeInvocation,
  opencodeProviderFor,
  splitOpencodeModel,
  OPENCODE_AGENT,
  OPENCODE_BINARY,
  OPENCODE_INSTRUCTIONS_FILE,
  OPENCODE_QUIET_ENV,
} from './invocation.js';
export {
  opencodeExternalDirectories,
  projectOpencodePermissions,
  projectOpencodeRule,
  type OpencodeAction,
  type OpencodePermission,
} from './permissions.js';
export { createOpencodeParser, summarizeOpencodeToolInput } from './stream.js';

export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  provider: 'anthropic',
  providerFor: opencodeProviderFor,
  binary: OPENCODE_BINARY,
  invocation: opencodeInvocation,
  createParser: createOpencodeParser,
};
