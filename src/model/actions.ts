// Adapter-neutral actions (write a file, run a command, read a file), turned into the tool call the requesting CLI
// understands. The CLI is not guessed from the API shape (OpenCode speaks Anthropic's and OpenAI's APIs too): every
// agent request declares its tools, and the first tool below that can do the action and is declared is used. A
// request that declares none of them gets no made-up call: the caller answers with a note instead.
//
// `{{ input }}` in a turn's text and in an action's content or command is filled with the run's input (through
// the pipeline template renderer, so a command gets the value shell-quoted for its place). Paths and the CLI's own
// calls (`name` + `input`) are sent exactly as written.
import { shellPlaces, shellQuote } from '../plan/shell-context.js';
import { classifyTemplateVar, findTemplateVars, renderTemplate, unsafePlaceMessage } from '../plan/template.js';
import type { ScriptAction, ScriptCall, ScriptToolCall } from './types.js';

type Input = Record<string, unknown>;
type Shell = (command: string) => Input;
type Writer = (path: string, content: string) => Input;
type Reader = (path: string) => Input;

/** The shell tools, in order: Claude Code, Gemini CLI, OpenCode (which requires a description), Codex. */
const SHELLS: [string, Shell][] = [
  ['Bash', (command) => ({ command })],
  ['run_shell_command', (command) => ({ command })],
  ['bash', (command) => ({ command, description: 'Run a command' })],
  ['exec_command', (cmd) => ({ cmd })],
];

const WRITERS: [string, Writer][] = [
  ['Write', (path, content) => ({ file_path: path, content })],
  ['write_file', (path, content) => ({ file_path: path, content })],
  ['write', (path, content) => ({ filePath: path, content })],
  // Codex's own file tool, offered for the models in its catalog (a custom tool: free-form text under `input`).
  ['apply_patch', (path, content) => ({ input: addFilePatch(path, content) })],
  ...SHELLS.map(([tool, shell]): [string, Writer] => [tool, (path, content) => shell(shellWrite(path, content))]),
];

const READERS: [string, Reader][] = [
  ['Read', (path) => ({ file_path: path })],
  ['read_file', (path) => ({ file_path: path })],
  ['read', (path) => ({ filePath: path })],
  ...SHELLS.map(([tool, shell]): [string, Reader] => [tool, (path) => shell(`cat -- ${shellQuote(path)}`)]),
];

function isAction(call: ScriptCall): call is ScriptAction {
  return 'action' in call;
}

/** The action in a few words, for notes: `write /wave/out/x.md`. */
export function describeAction(action: ScriptAction): string {
  return action.action === 'run' ? `run ${JSON.stringify(action.command)}` : `${action.action} ${action.path}`;
}

/**
 * The turn's calls as the CLI's own tool calls, with `{{ input }}` filled; `missing` names the first action that no
 * declared tool can do.
 */
export function resolveCalls(
  calls: readonly ScriptCall[],
  declared: ReadonlySet<string>,
  input: string,
): { calls: ScriptToolCall[] } | { missing: ScriptAction } {
  const out: ScriptToolCall[] = [];
  for (const call of calls) {
    if (!isAction(call)) {
      out.push(call);
      continue;
    }
    const resolved = resolveAction(call, declared, input);
    if (!resolved) return { missing: call };
    out.push(resolved);
  }
  return { calls: out };
}

function resolveAction(action: ScriptAction, declared: ReadonlySet<string>, input: string): ScriptToolCall | undefined {
  switch (action.action) {
    case 'write': {
      const content = 'json' in action ? jsonText(fillJson(action.json, input)) : fillInput(action.content, input);
      const found = WRITERS.find(([tool]) => declared.has(tool));
      return found && { name: found[0], input: found[1](action.path, content) };
    }
    case 'run': {
      const found = SHELLS.find(([tool]) => declared.has(tool));
      return found && { name: found[0], input: found[1](fillInput(action.command, input, 'shell')) };
    }
    case 'read': {
      const found = READERS.find(([tool]) => declared.has(tool));
      return found && { name: found[0], input: found[1](action.path) };
    }
  }
}

/** Why a path cannot be sent to every CLI as written; undefined when it can. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/'))
    return `must be an absolute path (CLIs differ on relative ones), got ${JSON.stringify(path)}`;
  if (findTemplateVars(path).length > 0) return 'a path is sent as written: it cannot hold a {{ }} placeholder';
  return undefined;
}

/** Why `text` cannot be filled: a placeholder other than `{{ input }}`, or in a command one that cannot be quoted. */
export function templateProblem(text: string, syntax: 'text' | 'shell'): string | undefined {
  const vars = findTemplateVars(text);
  const other = vars.find((v) => classifyTemplateVar(v.expr).kind !== 'input');
  const literal = 'write \\{{ for a literal {{';
  if (other) return `only {{ input }} is filled in a model script, not {{ ${other.expr} }} (${literal})`;
  const unsafe = syntax === 'shell' ? shellPlaces(text, vars).find((place) => place.kind === 'unsafe') : undefined;
  return unsafe?.kind === 'unsafe' ? unsafePlaceMessage('input', unsafe) : undefined;
}

/** `{{ input }}` filled (templateProblem found nothing else at load time). */
export function fillInput(text: string, input: string, syntax: 'text' | 'shell' = 'text'): string {
  return renderTemplate(text, { input, runId: '', stepId: '' }, 'model script', { syntax });
}

/** What a `json` write writes: two-space indentation and a final newline, as a person would save it. */
function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function fillJson(value: unknown, input: string): unknown {
  if (typeof value === 'string') return fillInput(value, input);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, input));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, input)]));
  }
  return value;
}

/** A command that writes `content` to `path` exactly (printf '%s' interprets nothing), making its folder first. */
export function shellWrite(path: string, content: string): string {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return `mkdir -p -- ${shellQuote(dir)} && printf '%s' ${shellQuote(content)} > ${shellQuote(path)}`;
}

/** Codex's patch format for a new file: every line of the content prefixed with `+`. */
export function addFilePatch(path: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return ['*** Begin Patch', `*** Add File: ${path}`, ...lines.map((l) => `+${l}`), '*** End Patch', ''].join('\n');
}
