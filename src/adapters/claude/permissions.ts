// Claude Code's permission projection: persona syntax → Claude's rule syntax (agent-clis.md §1.2), for the argv
// (--allowedTools/--disallowedTools, --permission-mode) and the settings file alike.
import { parsePersonaRule, personaRuleLists } from '../rules.js';
import type { AgentPermissions } from '../types.js';
import { unique } from '../unique.js';

// Persona entries are `Tool` or `Tool(spec)`; a trailing `*` in a spec means "anything after this" (a prefix).
// Claude checks deny → ask → allow, first match wins, so deny always beats allow (§1.2 "Rule evaluation"); the
// container and the read-only mounts stay the real boundary, these rules are a second layer.
//
//  R1  `*` in allowed_tools (every tool): Claude has no "all tools" rule, so the mode becomes bypassPermissions,
//      in which deny rules are still enforced (§1.1 "Permission modes"); the other allow entries are moot. We run
//      non-root, so bypass does not need IS_SANDBOX (§1.4 "Root").
//  R2  `*` in deny (no tool at all): every allow rule is dropped and the mode stays dontAsk, which denies every
//      tool that is not allow-listed (§1.1 "Permission modes"). Deny beats `*` in allowed_tools.
//  R3  A bare tool name maps to itself: `Read` → `Read`, `Bash` → `Bash`, `WebFetch` → `WebFetch`,
//      `mcp__srv__tool` → itself (§1.2 "A rule is `Tool` or `Tool(spec)`"). `Tool(*)` and `Tool()` are the bare
//      name.
//  R4  Bash specs pass through unchanged: the persona's `Bash(git log*)` already is Claude's current wildcard form
//      (§1.2 "Bash rules": `Bash(git * main)`; `*` matches any text, so `Bash(git log*)` also matches
//      `git log -p`). Legacy `Bash(npm test:*)` specs also pass through; Claude still understands them.
//  R5  Path rules exist only for Read and Edit (§1.2 "Path rules"):
//        Write / Edit / MultiEdit / NotebookEdit (path) → Edit(path)  (Edit covers Write, MultiEdit, NotebookEdit;
//          `Write(path)` rules are accepted but never consulted, so `Write(/etc/*)` must become `Edit(//etc/**)`);
//        Read / Glob / Grep (path) → Read(path)  (Glob(path) rules are never consulted either; Claude applies Read
//          rules to the read-only search tools). An allow rule is therefore slightly wider than the persona's
//          (Edit as well as Write; Read as well as Glob), a deny rule slightly stricter.
//  R6  Paths follow gitignore syntax (§1.2): an absolute persona path `/x` becomes `//x` (a single `/x` would be
//      relative to the settings file); `//x`, `~/x`, `./x` and `x` (relative to the cwd, /wave/src) pass through.
//  R7  A trailing `/*` (or a trailing `/`) becomes `/**`: in gitignore syntax `*` stops at `/`, while the persona's
//      `Write(/wave/out/*)` means everything under /wave/out. Other `*` keep their gitignore meaning.
//  R8  Any other `Tool(spec)` (WebFetch(domain:x), Task(…), mcp…) passes through unchanged.
//  R9  Blank entries are dropped, duplicates (after projection) removed, order kept. An entry that is not `Tool`
//      or `Tool(spec)` is a manifest error.

export type ClaudePermissionMode = 'dontAsk' | 'bypassPermissions';

export interface ClaudePermissions {
  mode: ClaudePermissionMode;
  allow: string[];
  deny: string[];
}

const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const READ_TOOLS = new Set(['Read', 'Glob', 'Grep']);

function projectPath(spec: string): string {
  let path = spec;
  if (path.startsWith('/') && !path.startsWith('//')) path = `/${path}`; // R6
  if (path.endsWith('/*') && !path.endsWith('**'))
    path = `${path}*`; // R7
  else if (path.endsWith('/') && path.length > 1 && !path.endsWith('//')) path = `${path}**`;
  return path;
}

/** One persona rule → Claude rules (R3-R8). `*` alone is handled by projectClaudePermissions (R1, R2). */
export function projectClaudeRule(entry: string): string[] {
  if (entry.trim() === '') return [];
  const { tool, spec } = parsePersonaRule(entry);
  if (spec === undefined) return [tool]; // R3
  if (tool === 'Bash') return [`Bash(${spec})`]; // R4
  if (EDIT_TOOLS.has(tool)) return [`Edit(${projectPath(spec)})`]; // R5, R6, R7
  if (READ_TOOLS.has(tool)) return [`Read(${projectPath(spec)})`]; // R5, R6, R7
  return [`${tool}(${spec})`]; // R8
}

export function projectClaudePermissions(permissions: AgentPermissions): ClaudePermissions {
  const { allowed, denied } = personaRuleLists(permissions);
  const deny = unique(denied.filter((r) => r !== '*').flatMap(projectClaudeRule));
  if (denied.includes('*')) return { mode: 'dontAsk', allow: [], deny }; // R2
  if (allowed.includes('*')) return { mode: 'bypassPermissions', allow: [], deny }; // R1
  return { mode: 'dontAsk', allow: unique(allowed.flatMap(projectClaudeRule)), deny };
}
