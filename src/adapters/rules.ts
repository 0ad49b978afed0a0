// The persona's permission syntax, before any CLI's projection: entries are `Tool` or `Tool(spec)`, and `*` alone
// means every tool. Each adapter maps the parsed rules onto its own CLI's levers.
import { WaveError } from '../errors.js';
import type { AgentPermissions } from './types.js';

const RULE_RE = /^([A-Za-z_][A-Za-z0-9_.-]*)(?:\(([\s\S]*)\))?$/;

export interface PersonaRule {
  tool: string;
  /** Undefined for a bare tool, `Tool(*)` and `Tool()`: the whole tool. Trimmed. */
  spec?: string;
}

/** One non-blank entry (surrounding white space ignored) → its tool and spec; anything else is a manifest error. */
export function parsePersonaRule(entry: string): PersonaRule {
  const m = RULE_RE.exec(entry.trim());
  if (!m) {
    throw new WaveError('manifest_invalid', `permission rule '${entry}' is not 'Tool' or 'Tool(spec)'`, {
      hint: "write rules like Read, Bash(git log*), Write(/wave/out/*); '*' alone means every tool",
    });
  }
  const spec = m[2]?.trim();
  return spec === undefined || spec === '' || spec === '*' ? { tool: m[1]! } : { tool: m[1]!, spec };
}

/** allowed_tools and deny with every entry trimmed and the blank ones dropped, order kept. */
export function personaRuleLists(permissions: AgentPermissions): { allowed: string[]; denied: string[] } {
  const clean = (rules: string[]) => rules.map((r) => r.trim()).filter((r) => r !== '');
  return { allowed: clean(permissions.allowed_tools), denied: clean(permissions.deny) };
}
