// The agent adapters: one folder per CLI (invocation, permissions, stream) on the shared mechanism in ./stream,
// looked up by the manifest's adapter name; an unknown name returns undefined so the caller can report it against
// the manifest.
import { claudeAdapter } from './claude/index.js';
import { codexAdapter } from './codex/index.js';
import { geminiAdapter } from './gemini/index.js';
import { opencodeAdapter } from './opencode/index.js';
import type { AgentAdapter } from './types.js';

export type * from './types.js';
export { contextTokens } from './types.js';

const ADAPTERS: ReadonlyMap<string, AgentAdapter> = new Map(
  [claudeAdapter, codexAdapter, geminiAdapter, opencodeAdapter].map((adapter) => [adapter.name, adapter]),
);

export function adapterFor(name: string): AgentAdapter | undefined {
  return ADAPTERS.get(name);
}

/** Names of the adapters this build knows. */
export function adapterNames(): string[] {
  return [...ADAPTERS.keys()];
}
