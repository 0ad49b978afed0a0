// OpenCode's permission projection: persona syntax → OpenCode's `permission` block (agent-clis.md §2.2), written
// into the per-step config and OPENCODE_PERMISSION.
import { SANDBOX_PATHS } from '../../config/sandbox-paths.js';
import { parsePersonaRule, personaRuleLists } from '../rules.js';
import type { AgentPermissions } from '../types.js';
import { unique } from '../unique.js';

// OpenCode flattens the block into rules in insertion order ({key: action} is {key: {"*": action}}) and the LAST
// rule whose key and pattern both match decides; a tool whose last matching rule is `{"*": deny}` is removed from
// the tool list altogether. Patterns are anchored, `*` matches any text including `/`, and a trailing ` *` also
// matches nothing (`git log *` matches `git log`). Without `--auto`, `run` rejects every "ask", so nothing here is
// ever asked. The container and the read-only mounts stay the real boundary; these rules are a second layer.
//
//  O1  `"*"` comes first: allow when allowed_tools holds `*` (and deny does not), else deny. Everything not
//      allowed below is therefore denied.
//  O2  Persona tool → OpenCode permission keys: Read → read, grep, glob, list (the read-only tools); Glob → glob;
//      Grep → grep; LS/List → list; Bash → bash; Write, Edit, MultiEdit, NotebookEdit, Patch → edit (OpenCode's
//      edit covers write, edit and apply_patch); WebFetch → webfetch; WebSearch → websearch; Task → task;
//      TodoWrite/TodoRead → todowrite/todoread; Skill → skill; `mcp__srv__tool` → `srv_tool` (`mcp__srv` →
//      `srv_*`).
//      A lowercase name is taken as an OpenCode key already; anything else passes through unchanged.
//  O3  Bash specs are command patterns and pass through (`git log*`); Claude's legacy `npm test:*` becomes
//      `npm test *`. `Bash(*)` and `Bash()` are the bare tool.
//  O4  Path specs (edit, read): OpenCode matches edit and read rules against the path relative to the worktree.
//      Wave's source snapshot has no .git, so the worktree is `/` and `/wave/out/x` is matched as `wave/out/x`;
//      the absolute form is listed too. A trailing `/` means everything under it (`/*`).
//  O5  A key's rules: `"*"` first (the key's bare action: allow if the bare tool is allowed, deny if it is denied,
//      else the O1 default), then every allowed pattern, then every denied pattern, so deny beats allow. A key
//      with nothing but its bare action is written as a plain string.
//  O6  external_directory (paths outside the source, for every tool): /wave/out, /wave/in and /tmp are allowed,
//      everything else follows O1.
//  O7  `*` in deny denies everything: no allow rule is written.
//  O8  `invalid` is always allowed: it is not a tool but how OpenCode answers a call it cannot run (a malformed
//      call, or a tool the rules removed) with an error the model can read. Denied, such a call fails with "Model
//      tried to call unavailable tool 'invalid'", which tells the model nothing.

export type OpencodeAction = 'allow' | 'deny';
export type OpencodePermission = Record<string, OpencodeAction | Record<string, OpencodeAction>>;

const KEYS_OF: Readonly<Record<string, readonly string[]>> = {
  Read: ['read', 'grep', 'glob', 'list'],
  Glob: ['glob'],
  Grep: ['grep'],
  LS: ['list'],
  List: ['list'],
  Bash: ['bash'],
  Write: ['edit'],
  Edit: ['edit'],
  MultiEdit: ['edit'],
  NotebookEdit: ['edit'],
  Patch: ['edit'],
  WebFetch: ['webfetch'],
  WebSearch: ['websearch'],
  Task: ['task'],
  TodoWrite: ['todowrite'],
  TodoRead: ['todoread'],
  Skill: ['skill'],
};

/** Keys whose patterns are file paths (O4); the others take their specs verbatim. */
const PATH_KEYS = new Set(['edit', 'read']);

interface Rule {
  key: string;
  /** undefined: the bare tool. */
  pattern?: string;
}

function keysOf(tool: string): string[] {
  const known = KEYS_OF[tool];
  if (known) return [...known];
  const mcp = /^mcp__([^_][\s\S]*?)(?:__([\s\S]+))?$/.exec(tool);
  if (mcp) return [`${mcp[1]}_${mcp[2] ?? '*'}`];
  return [tool];
}

function pathPatterns(spec: string): string[] {
  let path = spec;
  if (path.endsWith('/') && path.length > 1) path = `${path}*`;
  if (!path.startsWith('/')) return [path];
  return unique([path.replace(/^\/+/, ''), path]);
}

function bashPattern(spec: string): string {
  return spec.endsWith(':*') ? `${spec.slice(0, -2)} *` : spec;
}

/** One persona rule → OpenCode rules (O2-O4). `*` alone is handled by projectOpencodePermissions (O1, O7). */
export function projectOpencodeRule(entry: string): Rule[] {
  if (entry.trim() === '') return [];
  const { tool, spec } = parsePersonaRule(entry);
  const keys = keysOf(tool);
  if (spec === undefined) return keys.map((key) => ({ key }));
  return keys.flatMap((key): Rule[] => {
    if (key === 'bash') return [{ key, pattern: bashPattern(spec) }];
    if (PATH_KEYS.has(key)) return pathPatterns(spec).map((pattern) => ({ key, pattern }));
    if (key === 'webfetch' && spec.startsWith('domain:')) {
      const host = spec.slice('domain:'.length);
      const urls = [`https://${host}`, `https://${host}/*`, `http://${host}`, `http://${host}/*`];
      return urls.map((pattern) => ({ key, pattern }));
    }
    // grep, glob and list match their own argument (a regex, a glob), not a path: a path spec cannot narrow them,
    // so Read(path) grants only `read` for that path.
    if (key === 'grep' || key === 'glob' || key === 'list') return [];
    return [{ key, pattern: spec }];
  });
}

/** Directories outside the source every step may touch (O6). */
export function opencodeExternalDirectories(paths: { out: string; in: string }): string[] {
  return [`${paths.out}/**`, `${paths.in}/**`, '/tmp/**'];
}

export function projectOpencodePermissions(
  permissions: AgentPermissions,
  paths: { out: string; in: string } = SANDBOX_PATHS,
): OpencodePermission {
  const { allowed, denied } = personaRuleLists(permissions);
  const denyAll = denied.includes('*');
  const base: OpencodeAction = allowed.includes('*') && !denyAll ? 'allow' : 'deny';
  const allowRules = denyAll || base === 'allow' ? [] : allowed.filter((r) => r !== '*').flatMap(projectOpencodeRule);
  // Projected even when `*` is denied, so an invalid rule is reported either way.
  const denyRules = denied.filter((r) => r !== '*').flatMap(projectOpencodeRule);

  const keys = unique([...allowRules, ...denyRules].map((r) => r.key));
  const out: OpencodePermission = { '*': base };
  for (const key of keys) {
    const bareDenied = denyRules.some((r) => r.key === key && r.pattern === undefined);
    if (bareDenied) {
      out[key] = 'deny';
      continue;
    }
    const bareAllowed = allowRules.some((r) => r.key === key && r.pattern === undefined);
    const bare: OpencodeAction = bareAllowed ? 'allow' : base;
    const patterns: Record<string, OpencodeAction> = { '*': bare };
    for (const r of allowRules) {
      if (r.key === key && r.pattern !== undefined && r.pattern !== '*') patterns[r.pattern] = 'allow';
    }
    for (const r of denyRules) {
      if (r.key !== key || r.pattern === undefined || r.pattern === '*') continue;
      // Re-inserting moves a pattern behind the allows: deny beats allow (O5).
      delete patterns[r.pattern];
      patterns[r.pattern] = 'deny';
    }
    out[key] = Object.keys(patterns).length === 1 ? bare : patterns;
  }
  const external: Record<string, OpencodeAction> = { '*': base };
  for (const dir of opencodeExternalDirectories(paths)) external[dir] = 'allow';
  out.external_directory = external;
  out.invalid = 'allow'; // O8
  return out;
}
