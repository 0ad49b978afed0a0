// Codex's permission projection: persona syntax → Codex's own levers (agent-clis.md §4.2), the execpolicy rules
// file they produce, and what Codex cannot refuse by itself (warned by `wave validate`).
import { WaveError } from '../../errors.js';
import { parsePersonaRule, personaRuleLists } from '../rules.js';
import type { AgentPermissions } from '../types.js';
import { uniqueBy } from '../unique.js';

// Codex has no per-tool allow/deny list (§4.2). What it has, and what 0.169 really does with it:
//
//  C1  The shell tool (`exec_command`, unified exec) is switched off with `[features] shell_tool = false`: it is
//      then absent from the request's `tools`, and a call made anyway is refused with the tool output
//      "unsupported call: exec_command". Used when the persona denies the shell: `Bash` (or `Bash(*)`) in deny,
//      `*` in deny, or an allowed_tools list without `*` that names no Bash rule at all.
//  C2  `Bash(prefix…)` in deny becomes an execpolicy rule `prefix_rule(pattern=[…], decision="forbidden")` in
//      ~/.codex/rules/wave.rules. 0.169 enforces these under danger-full-access: the call is refused with
//      "… rejected: <justification>". Limits (verified): a rule matches whole tokens (`Bash(rm -rf*)` forbids
//      `rm -rf x`, not `rm -rfv x`); the spec is cut at its first `*` (a deny may only get wider); and a script
//      Codex cannot split into plain commands (a redirection, a heredoc, a subshell) is checked as the whole
//      `/bin/sh -lc '<script>'` argv, which no prefix of the inner command matches. A prefix rule is therefore a
//      second layer only; the container is the boundary.
//  C3  Bash rules in allowed_tools (`Bash(git log*)`) cannot narrow the shell: execpolicy has no default-deny.
//      Such a persona keeps the whole shell (with its deny rules); the restriction section of the instructions
//      still lists what it may run.
//  C4  `WebSearch`/`WebFetch` denied (or missing from a non-`*` allowed_tools) → `web_search = "disabled"`. Codex's
//      web search is the provider's server-side tool (`{"type":"web_search"}` in every request), so it also needs
//      `web_search` in the persona's sandbox.provider_tools: the model gateway refuses the request otherwise.
//  C5  `Task`/`Agent` denied (or missing from a non-`*` allowed_tools) → `[agents] enabled = false` (no sub-agent
//      tools).
//  C6  Write/Edit/MultiEdit/NotebookEdit/Read/Glob/Grep (bare or with a path) have no Codex lever: file writes
//      go through the shell or `apply_patch` (offered for models in Codex's catalog, e.g. gpt-5.5, never for
//      gpt-5-codex in 0.169), and paths are enforced by the mounts: the source and inputs are read-only, only
//      /wave/out and /tmp are writable.
//  C7  Entries that are not `Tool` or `Tool(spec)` are a manifest error; blank entries are dropped.

export interface CodexPermissions {
  /** C1: the shell tool is offered at all. */
  shell: boolean;
  /** C2: command prefixes (tokens) Codex must refuse. Empty when the shell is off. */
  forbiddenPrefixes: string[][];
  /** C4 */
  webSearch: boolean;
  /** C5 */
  subagents: boolean;
}

const SHELL_TOOLS = new Set(['Bash']);
const WEB_TOOLS = new Set(['WebSearch', 'WebFetch']);
const AGENT_TOOLS = new Set(['Task', 'Agent']);

/**
 * A Bash deny spec → the command tokens of a prefix rule, or undefined when it covers every command. The spec is
 * cut at its first `*` (and a legacy `:*` suffix is dropped): `rm -rf*` → ["rm", "-rf"], `npm test:*` → ["npm",
 * "test"], `git * main` → ["git"].
 */
export function codexCommandPrefix(spec: string): string[] | undefined {
  const star = spec.indexOf('*');
  let head = star >= 0 ? spec.slice(0, star) : spec;
  if (star >= 0 && head.endsWith(':')) head = head.slice(0, -1);
  const tokens = head.split(/\s+/).filter((t) => t !== '');
  for (const token of tokens) {
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    if (/[\u0000-\u001f\u007f]/.test(token)) {
      throw new WaveError('manifest_invalid', `permission rule 'Bash(${spec})' holds a control character`);
    }
  }
  return tokens.length > 0 ? tokens : undefined;
}

export function projectCodexPermissions(permissions: AgentPermissions): CodexPermissions {
  const { allowed, denied } = personaRuleLists(permissions);
  const allowRules = allowed.filter((r) => r !== '*').map(parsePersonaRule);
  const denyRules = denied.filter((r) => r !== '*').map(parsePersonaRule);
  const denyAll = denied.includes('*');
  const allowAll = allowed.includes('*');

  /** A tool family is on unless it is denied outright or a closed allowed_tools list leaves it out (C1, C4, C5). */
  const enabled = (family: ReadonlySet<string>): boolean =>
    !denyAll &&
    !denyRules.some((r) => family.has(r.tool) && r.spec === undefined) &&
    (allowAll || allowRules.some((r) => family.has(r.tool)));

  let shell = enabled(SHELL_TOOLS);
  const prefixes: string[][] = [];
  for (const rule of denyRules) {
    if (!SHELL_TOOLS.has(rule.tool) || rule.spec === undefined) continue;
    const prefix = codexCommandPrefix(rule.spec);
    if (prefix === undefined)
      shell = false; // `Bash( *)`-like: every command
    else prefixes.push(prefix);
  }
  const forbiddenPrefixes = shell ? uniqueBy(prefixes, (p) => JSON.stringify(p)) : [];
  return { shell, forbiddenPrefixes, webSearch: enabled(WEB_TOOLS), subagents: enabled(AGENT_TOOLS) };
}

/** A Starlark string literal (JSON's escaping is a subset Starlark reads). */
function starlarkString(value: string): string {
  return JSON.stringify(value);
}

/** ~/.codex/rules/wave.rules: one forbidden prefix rule per denied command prefix (C2); undefined when none. */
export function codexRules(permissions: CodexPermissions): string | undefined {
  if (permissions.forbiddenPrefixes.length === 0) return undefined;
  const rules = permissions.forbiddenPrefixes.map((tokens) => {
    const pattern = tokens.map(starlarkString).join(', ');
    const justification = starlarkString(`\`${tokens.join(' ')}\` is denied by the persona's permissions`);
    return `prefix_rule(pattern=[${pattern}], decision="forbidden", justification=${justification})`;
  });
  return `# Written by Wave: the persona's Bash denials. Enforced by Codex as a second layer.\n${rules.join('\n')}\n`;
}

/** Tools whose path rules Codex has no mechanism for: only the container's read-only mounts stand behind them. */
const PATH_TOOLS = new Set(['Read', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Glob', 'Grep']);

/**
 * What Codex 0.169 cannot refuse by itself (checked on the binary): execpolicy has no default-deny, so an allow list
 * of shell commands still leaves the whole shell; and it has no per-path rules for reads and writes.
 */
export function codexUnenforceable(permissions: AgentPermissions): string[] {
  const { allowed, denied } = personaRuleLists(permissions);
  if (denied.includes('*')) return [];
  const out: string[] = [];
  const allowRules = allowed.filter((r) => r !== '*').map(parsePersonaRule);
  const wholeShell = allowed.includes('*') || allowRules.some((r) => SHELL_TOOLS.has(r.tool) && r.spec === undefined);
  const shellOff = denied.map(parsePersonaRule).some((r) => SHELL_TOOLS.has(r.tool) && r.spec === undefined);
  const commandAllows = allowRules.filter((r) => SHELL_TOOLS.has(r.tool) && r.spec !== undefined);
  if (commandAllows.length > 0 && !wholeShell && !shellOff) {
    const rules = commandAllows.map((r) => `Bash(${r.spec})`).join(', ');
    out.push(`an allow list of shell commands (${rules}): it offers the whole shell or none`);
  }
  const rules = [...allowRules, ...denied.map(parsePersonaRule)];
  const pathRules = rules.filter((r) => r.spec !== undefined && PATH_TOOLS.has(r.tool));
  if (pathRules.length > 0) {
    out.push(`path rules (${pathRules.map((r) => `${r.tool}(${r.spec})`).join(', ')}): it has no per-path tool rules`);
  }
  return out;
}
