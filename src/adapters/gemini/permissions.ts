// Permission projection for Gemini CLI: persona rules (`Read`, `Bash(git log*)`, `Write(/wave/out/*)`, `*`) →
// rules of Gemini's policy engine, written as the TOML file passed with --policy (agent-clis.md §3.2). The
// container and the read-only mounts stay the real boundary; these rules are the second layer.
//
// How the policy engine decides (read in 0.61.0's bundle and checked on the binary):
// - A --policy file loads in the user tier: a rule's effective priority is 4 + priority/1000. The built-in yolo
//   allow-all rule is 1.998, so any rule of ours beats it; the first matching rule by priority decides.
// - A deny rule without an args pattern also removes the tool from the declarations sent to the model; calling it
//   anyway comes back as error type `tool_not_registered`. A deny with an args pattern answers the call with error
//   type `policy_violation` ("Tool execution denied by policy.").
// - `argsPattern` is a regex over the call's arguments as stable JSON: keys sorted, each top-level `"key":value`
//   pair wrapped in NUL characters. `commandPrefix = "p"` is sugar for `"command":"p` followed by whitespace or the
//   end of the string. Shell commands are split into their sub-commands (`a; b`, `a && b`, `bash -c '…'`) and each
//   is checked too, so a denied command cannot hide behind another.
// - A pattern with a quantified group that holds a quantifier is refused as "unsafe" (ReDoS guard) and the rule is
//   dropped; the patterns below never contain a `(` or `)` outside a character class for that reason.
//
// The projection:
//  G1  `*` in deny: one deny rule for every tool (`toolName = "*"`); nothing else matters.
//  G2  `*` in allowed_tools: no allow rules (yolo already allows everything); only the deny rules.
//  G3  Otherwise an allowlist: a catch-all deny (priority 100) under the allow rules (500), so every tool that is
//      not allowed disappears from the model's tool list, and the allowed ones (with or without an argument
//      pattern) stay.
//  G4  Deny rules get priority 900: deny always beats allow.
//  G5  Persona tool names map to Gemini's tools (TOOL_MAP); a lower-case name is taken as a Gemini tool name as it
//      is (`read_file`, `save_memory`); `mcp__server__tool` becomes mcpName/toolName. Other names pass through
//      unchanged (a policy naming a tool that does not exist only yields a CLI warning).
//  G6  Bash specs match the `command` argument: `x` exactly; `x *` and the legacy `x:*` as commandPrefix `x` (x
//      alone or followed by whitespace); any other `*` means "any text" (`git log*` also matches `git logx`, as in
//      Claude Code). In allow rules `*` stays inside the command string; in deny rules it may reach further,
//      which can only deny more.
//  G7  Path specs match `file_path` (Write/Edit/MultiEdit/NotebookEdit → write_file and replace; Read → read_file)
//      or `dir_path` (Glob → glob, Grep → grep_search, LS → list_directory). A relative spec is resolved against
//      the source directory, `~/` against HOME. `*` means any text, `/` included (so `/wave/out/*` is everything
//      under /wave/out). An exact spec matches that path only.
//  G8  Path allow rules come with a guard: a path argument holding `..` as a path segment is denied for those
//      tools, so `/wave/out/../x` cannot ride on an allow rule for `/wave/out/*`.
//  G9  Blank entries are dropped, duplicate rules removed, order kept. An entry that is not `Tool` or
//      `Tool(spec)` is a manifest error.
import { posix } from 'node:path';
import { stringify as stringifyToml } from 'smol-toml';
import { parsePersonaRule, personaRuleLists } from '../rules.js';
import type { AgentPermissions } from '../types.js';
import { unique, uniqueBy } from '../unique.js';

export interface GeminiPolicyRule {
  toolName: string | string[];
  mcpName?: string;
  argsPattern?: string;
  commandPrefix?: string;
  decision: 'allow' | 'deny';
  priority: number;
  denyMessage?: string;
}

export interface GeminiPathContext {
  /** The working directory relative specs are resolved against (/wave/src). */
  src: string;
  home: string;
}

export const CATCH_ALL_PRIORITY = 100;
export const ALLOW_PRIORITY = 500;
export const GUARD_PRIORITY = 800;
export const DENY_PRIORITY = 900;

/** Shown to the model next to "Tool execution denied by policy." */
export const DENY_MESSAGE = "Denied by the persona's permissions (Wave).";

/** Persona (Claude Code) tool names → Gemini CLI 0.61 tool names (G5). */
const TOOL_MAP: Readonly<Record<string, readonly string[]>> = {
  Read: ['read_file'],
  Glob: ['glob'],
  Grep: ['grep_search'],
  LS: ['list_directory'],
  Write: ['write_file', 'replace'],
  Edit: ['write_file', 'replace'],
  MultiEdit: ['write_file', 'replace'],
  NotebookEdit: ['write_file', 'replace'],
  // The background-process tools only read what a shell command started.
  Bash: ['run_shell_command', 'list_background_processes', 'read_background_output'],
  WebFetch: ['web_fetch'],
  WebSearch: ['google_web_search'],
  TodoWrite: ['write_todos'],
  Task: ['invoke_agent'],
  Skill: ['activate_skill'],
};

const FILE_PATH_TOOLS: Readonly<Record<string, readonly string[]>> = {
  Read: ['read_file'],
  Write: ['write_file', 'replace'],
  Edit: ['write_file', 'replace'],
  MultiEdit: ['write_file', 'replace'],
  NotebookEdit: ['write_file', 'replace'],
};
const DIR_PATH_TOOLS: Readonly<Record<string, readonly string[]>> = {
  Glob: ['glob'],
  Grep: ['grep_search'],
  LS: ['list_directory'],
};

/**
 * A literal for a regex source: metacharacters escaped; `(` and `)` as character classes so that no pattern can
 * look like a nested quantifier to the CLI's ReDoS guard.
 */
function literal(text: string): string {
  return text
    .replace(/[.*+?^${}|[\]\\]/g, '\\$&')
    .replace(/\(/g, '[(]')
    .replace(/\)/g, '[)]');
}

/** How a string appears inside the stable JSON of the arguments (without the quotes). */
function jsonInner(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** `a*b` → regex over the JSON-encoded value: each `*` becomes `wild`; the value must end where the spec ends. */
function valuePattern(key: string, spec: string, wild: string): string {
  const parts = spec.split('*').map((p) => literal(jsonInner(p)));
  const open = `\\0"${key}":"`;
  return spec.endsWith('*') ? `${open}${parts.join(wild)}` : `${open}${parts.join(wild)}"\\0`;
}

function wildcard(decision: 'allow' | 'deny'): string {
  return decision === 'allow' ? '[^"]*' : '.*';
}

function resolvePath(spec: string, ctx: GeminiPathContext): string {
  if (spec.startsWith('//')) return spec.slice(1); // Claude's "absolute" form
  if (spec.startsWith('/')) return spec;
  if (spec === '~' || spec.startsWith('~/')) return posix.join(ctx.home, spec.slice(1));
  // Keep a trailing `/*` or `/` through the join.
  const joined = posix.join(ctx.src, spec);
  return spec.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
}

function pathSpec(spec: string, ctx: GeminiPathContext): string {
  const path = resolvePath(spec, ctx);
  if (path.endsWith('/')) return `${path}*`;
  return path.replace(/\*\*+/g, '*');
}

function bashRule(spec: string, decision: 'allow' | 'deny'): Omit<GeminiPolicyRule, 'priority'> {
  const legacy = /^(.*?):\*$/.exec(spec);
  const prefix = legacy ? legacy[1]! : /^(.*\S)\s+\*$/.exec(spec)?.[1];
  if (prefix !== undefined && !prefix.includes('*')) {
    return { toolName: 'run_shell_command', commandPrefix: prefix.trim(), decision };
  }
  return { toolName: 'run_shell_command', argsPattern: valuePattern('command', spec, wildcard(decision)), decision };
}

/** One persona rule → policy rules without priorities (G5-G8). `*` alone is handled by projectGeminiPermissions. */
export function projectGeminiRule(
  entry: string,
  decision: 'allow' | 'deny',
  ctx: GeminiPathContext,
): Omit<GeminiPolicyRule, 'priority'>[] {
  if (entry.trim() === '') return [];
  const { tool, spec } = parsePersonaRule(entry);

  const mcp = /^mcp__([^_]+(?:_[^_]+)*)(?:__(.+))?$/.exec(tool);
  if (mcp) return [{ toolName: mcp[2] ?? '*', mcpName: mcp[1]!, decision }];

  if (spec === undefined) return [{ toolName: [...(TOOL_MAP[tool] ?? [tool])], decision }];
  if (tool === 'Bash') return [bashRule(spec, decision)];
  const fileTools = FILE_PATH_TOOLS[tool];
  const dirTools = DIR_PATH_TOOLS[tool];
  if (fileTools || dirTools) {
    const key = fileTools ? 'file_path' : 'dir_path';
    const argsPattern = valuePattern(key, pathSpec(spec, ctx), wildcard(decision));
    return [{ toolName: [...(fileTools ?? dirTools)!], argsPattern, decision }];
  }
  // A tool without a known argument to match (WebFetch(domain:x), Task(…)): the spec cannot be expressed, so an
  // allow applies to the whole tool (as the persona asked for the tool) and a deny does too (stricter).
  return [{ toolName: [...(TOOL_MAP[tool] ?? [tool])], decision }];
}

/** The `..` guard for tools that an allow rule lets through only for some paths (G8). */
function traversalGuards(allow: Omit<GeminiPolicyRule, 'priority'>[]): GeminiPolicyRule[] {
  const guards: GeminiPolicyRule[] = [];
  for (const key of ['file_path', 'dir_path']) {
    const tools = unique(
      allow
        .filter((r) => r.argsPattern?.startsWith(`\\0"${key}":`))
        .flatMap((r) => (Array.isArray(r.toolName) ? r.toolName : [r.toolName])),
    );
    if (tools.length === 0) continue;
    guards.push({
      toolName: tools,
      argsPattern: `\\0"${key}":"[^"]*[/]\\.\\.[/"]`,
      decision: 'deny',
      priority: GUARD_PRIORITY,
      denyMessage: 'Paths with .. segments are refused (Wave).',
    });
  }
  return guards;
}

function ruleKey(rule: GeminiPolicyRule): string {
  const { toolName, mcpName, argsPattern, commandPrefix, decision, priority } = rule;
  return JSON.stringify([toolName, mcpName, argsPattern, commandPrefix, decision, priority]);
}

function dedupe(rules: GeminiPolicyRule[]): GeminiPolicyRule[] {
  return uniqueBy(rules, ruleKey);
}

/** The persona's permissions as policy rules, highest priority last (G1-G9). */
export function projectGeminiPermissions(permissions: AgentPermissions, ctx: GeminiPathContext): GeminiPolicyRule[] {
  const { allowed, denied } = personaRuleLists(permissions);
  const denyMessage = { denyMessage: DENY_MESSAGE };
  if (denied.includes('*')) return [{ toolName: '*', decision: 'deny', priority: DENY_PRIORITY, ...denyMessage }]; // G1
  const deny = denied
    .flatMap((r) => projectGeminiRule(r, 'deny', ctx))
    .map((r) => ({ ...r, priority: DENY_PRIORITY, ...denyMessage }));
  if (allowed.includes('*')) return dedupe(deny); // G2
  const allow = allowed.flatMap((r) => projectGeminiRule(r, 'allow', ctx));
  return dedupe([
    { toolName: '*', decision: 'deny', priority: CATCH_ALL_PRIORITY, ...denyMessage }, // G3
    ...allow.map((r) => ({ ...r, priority: ALLOW_PRIORITY })),
    ...traversalGuards(allow),
    ...deny, // G4
  ]);
}

/** The policy file. An empty rule list is a valid file (the CLI loads it and adds nothing). */
export function geminiPolicyToml(rules: GeminiPolicyRule[]): string {
  const rule = rules.map((r) => {
    const toolName = Array.isArray(r.toolName) && r.toolName.length === 1 ? r.toolName[0]! : r.toolName;
    const { mcpName, commandPrefix, argsPattern, decision, priority, denyMessage } = r;
    // Key order as the CLI's docs show them; absent fields are left out, not written empty.
    return Object.fromEntries(
      Object.entries({ toolName, mcpName, commandPrefix, argsPattern, decision, priority, denyMessage }).filter(
        ([, v]) => v !== undefined,
      ),
    );
  });
  const header =
    "# Written by Wave from the persona's permissions (src/adapters/gemini/permissions.ts). Deny beats allow.";
  return `${header}\n${rules.length > 0 ? `\n${stringifyToml({ rule }).trimEnd()}\n` : ''}`;
}
