// Turns a plain value (parsed YAML, or an object a test wrote inline) into a ModelScript, collecting every
// problem with the document path it concerns. Positions are added by the loader, which owns the YAML tree;
// this file knows nothing of files so tests can validate inline scripts the same way.
//
// No environment lookups, so a script can never leak a host variable into a container. The one placeholder is
// `{{ input }}` (the run's input, which the step's prompt holds anyway), in texts, contents and commands only.

import { pathProblem, templateProblem } from './actions.js';
import {
  API_ERROR_TYPES,
  type AnswerTurn,
  type ApiErrorType,
  type ErrorTurn,
  type ExpectToolResult,
  type ModelScript,
  type ScriptAction,
  type ScriptCall,
  type ScriptError,
  type ScriptTurn,
  type StepScript,
  type TurnList,
  type TurnUsage,
} from './types.js';

export type ScriptPath = readonly (string | number)[];

export interface ScriptProblem {
  path: ScriptPath;
  /** Point at the key rather than the value (unknown keys). */
  at: 'key' | 'value';
  message: string;
}

export const STEP_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The usage a turn reports when the script says nothing: small, and cache-free. */
export const DEFAULT_INPUT_TOKENS = 100;

const TOP_KEYS = ['description', 'usage', 'steps'];
const TURN_KEYS = ['text', 'tool_calls', 'usage', 'expect_tool_result', 'delay_ms', 'error', 'times'];
const ERROR_TURN_KEYS = ['error', 'times', 'delay_ms'];
const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'];
const ACTIONS = ['write', 'run', 'read'] as const;
const ACTION_KEYS: Record<(typeof ACTIONS)[number], string[]> = {
  write: ['path', 'content', 'json'],
  run: ['command'],
  read: ['path'],
};

const STATUS_TYPES: Record<number, ApiErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/**
 * `where` names a turn in messages ("file:line" when the loader knows positions); without it, turns are
 * named by their path in the script.
 */
export function validateModelScript(
  value: unknown,
  where: (path: ScriptPath) => string = formatScriptPath,
): { script: ModelScript; problems: ScriptProblem[] } {
  const v = new Validator(where);
  const script = v.script(value);
  return { script, problems: v.problems };
}

/** Renders a path the way a reader would write it: `steps.greet[1].tool_calls[0].name`. */
export function formatScriptPath(path: ScriptPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(top level)' : out;
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  return typeof x === 'object' ? 'a mapping' : `${typeof x} ${JSON.stringify(x)}`;
}

class Validator {
  readonly problems: ScriptProblem[] = [];

  constructor(private readonly where: (path: ScriptPath) => string) {}

  private fail(path: ScriptPath, message: string, at: 'key' | 'value' = 'value'): void {
    this.problems.push({ path, at, message });
  }

  private keys(o: Obj, path: ScriptPath, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        this.fail([...path, k], `unknown key "${k}" (allowed: ${allowed.join(', ')})`, 'key');
      }
    }
  }

  private int(x: unknown, path: ScriptPath, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
      this.fail(path, `must be an integer ${range}, got ${describe(x)}`);
      return undefined;
    }
    return x;
  }

  private str(x: unknown, path: ScriptPath): string | undefined {
    if (typeof x !== 'string') {
      this.fail(path, `must be a string, got ${describe(x)}`);
      return undefined;
    }
    return x;
  }

  script(value: unknown): ModelScript {
    const steps: Record<string, StepScript> = {};
    if (!isObj(value)) {
      this.fail([], `a model script must be a mapping with "steps", got ${describe(value)}`);
      return { steps };
    }
    this.keys(value, [], TOP_KEYS);
    if (value.description !== undefined) this.str(value.description, ['description']);
    const defaults = value.usage === undefined ? {} : this.usage(value.usage, ['usage']);
    if (!isObj(value.steps)) {
      this.fail(['steps'], `"steps" must be a mapping of step id to turns, got ${describe(value.steps)}`);
      return { steps };
    }
    for (const [id, raw] of Object.entries(value.steps)) {
      if (!STEP_ID_PATTERN.test(id)) {
        this.fail(['steps', id], `step id "${id}" may only contain letters, digits, "_", "." and "-"`, 'key');
      }
      steps[id] = this.step(raw, ['steps', id], defaults);
    }
    return { steps };
  }

  private step(raw: unknown, path: ScriptPath, defaults: Partial<TurnUsage>): StepScript {
    if (Array.isArray(raw)) return { attempts: [this.turns(raw, path, defaults)] };
    if (isObj(raw)) {
      this.keys(raw, path, ['attempts']);
      const attempts = raw.attempts;
      if (!Array.isArray(attempts) || attempts.length === 0) {
        this.fail([...path, 'attempts'], `"attempts" must be a non-empty list of turn lists`);
        return { attempts: [] };
      }
      return {
        attempts: attempts.map((a, i) => {
          if (Array.isArray(a)) return this.turns(a, [...path, 'attempts', i], defaults);
          this.fail([...path, 'attempts', i], `each attempt must be a list of turns, got ${describe(a)}`);
          return [];
        }),
      };
    }
    this.fail(path, `a step must be a list of turns or a mapping with "attempts", got ${describe(raw)}`);
    return { attempts: [] };
  }

  private turns(list: unknown[], path: ScriptPath, defaults: Partial<TurnUsage>): TurnList {
    if (list.length === 0) this.fail(path, 'a step needs at least one turn');
    const out: TurnList = [];
    let finalAt: number | undefined;
    list.forEach((raw, i) => {
      const turn = this.turn(raw, [...path, i], defaults);
      if (!turn) return;
      if (finalAt !== undefined) {
        this.fail(
          [...path, i],
          `turn ${i} can never be served: turn ${finalAt} has no tool_calls, so the agent ends its conversation there`,
        );
      }
      if (turn.kind === 'answer' && turn.tool_calls.length === 0 && finalAt === undefined) finalAt = i;
      out.push(turn);
    });
    return out;
  }

  private turn(raw: unknown, path: ScriptPath, defaults: Partial<TurnUsage>): ScriptTurn | undefined {
    if (!isObj(raw)) {
      this.fail(path, `a turn must be a mapping (text, tool_calls or error), got ${describe(raw)}`);
      return undefined;
    }
    const delay = raw.delay_ms === undefined ? 0 : (this.int(raw.delay_ms, [...path, 'delay_ms'], 0) ?? 0);
    if (raw.error !== undefined) {
      this.keys(raw, path, ERROR_TURN_KEYS);
      const error = this.error(raw.error, [...path, 'error']);
      const times = raw.times === undefined ? 1 : (this.int(raw.times, [...path, 'times'], 1) ?? 1);
      if (!error) return undefined;
      const turn: ErrorTurn = { kind: 'error', error, times, delay_ms: delay, at: this.where(path) };
      return turn;
    }
    this.keys(raw, path, TURN_KEYS);
    if (raw.times !== undefined) this.fail([...path, 'times'], '"times" only applies to error turns', 'key');
    const text = raw.text === undefined ? undefined : this.templated(raw.text, [...path, 'text'], 'text');
    const calls = raw.tool_calls === undefined ? [] : this.toolCalls(raw.tool_calls, [...path, 'tool_calls']);
    const noCalls = raw.tool_calls === undefined || (Array.isArray(raw.tool_calls) && raw.tool_calls.length === 0);
    if (raw.text === undefined && noCalls) {
      this.fail(path, 'a turn needs "text", "tool_calls" or "error"');
      return undefined;
    }
    const given = raw.usage === undefined ? {} : this.usage(raw.usage, [...path, 'usage']);
    const turn: AnswerTurn = {
      kind: 'answer',
      tool_calls: calls,
      usage: resolveUsage({ ...defaults, ...given }, text, calls),
      delay_ms: delay,
      at: this.where(path),
    };
    if (text !== undefined) turn.text = text;
    if (raw.expect_tool_result !== undefined) {
      const expect = this.expect(raw.expect_tool_result, [...path, 'expect_tool_result']);
      if (expect) turn.expect_tool_result = expect;
    }
    return turn;
  }

  private toolCalls(raw: unknown, path: ScriptPath): ScriptCall[] {
    if (!Array.isArray(raw)) {
      this.fail(path, `"tool_calls" must be a list, got ${describe(raw)}`);
      return [];
    }
    const out: ScriptCall[] = [];
    raw.forEach((c, i) => {
      const p = [...path, i];
      if (!isObj(c)) {
        this.fail(p, `a tool call must be a mapping (write, run, read, or name and input), got ${describe(c)}`);
        return;
      }
      const action = ACTIONS.find((a) => c[a] !== undefined);
      const call = action ? this.action(action, c, p) : this.namedCall(c, p);
      if (call) out.push(call);
    });
    return out;
  }

  /** A CLI's own call: `name` and `input`, sent as written. */
  private namedCall(c: Obj, p: ScriptPath): ScriptCall | undefined {
    this.keys(c, p, ['name', 'input', ...ACTIONS]);
    const name = this.str(c.name, [...p, 'name']);
    let input: Record<string, unknown> = {};
    if (c.input !== undefined) {
      if (isObj(c.input)) input = c.input;
      else this.fail([...p, 'input'], `"input" must be a mapping, got ${describe(c.input)}`);
    }
    return name === undefined ? undefined : { name, input };
  }

  /** `write: {path, content | json}`, `run: {command}` or `read: {path}`: one action per list item. */
  private action(kind: (typeof ACTIONS)[number], c: Obj, p: ScriptPath): ScriptAction | undefined {
    this.keys(c, p, [kind]);
    const at = [...p, kind];
    const body = c[kind];
    if (!isObj(body)) {
      this.fail(at, `"${kind}" must be a mapping (${ACTION_KEYS[kind].join(', ')}), got ${describe(body)}`);
      return undefined;
    }
    this.keys(body, at, ACTION_KEYS[kind]);
    if (kind === 'run') {
      const command = this.templated(body.command, [...at, 'command'], 'shell');
      return command === undefined ? undefined : { action: 'run', command };
    }
    const path = this.absolutePath(body.path, [...at, 'path']);
    if (kind === 'read') return path === undefined ? undefined : { action: 'read', path };
    if ((body.content === undefined) === (body.json === undefined)) {
      this.fail(at, '"write" needs exactly one of "content" (text) and "json" (a value written as JSON)');
      return undefined;
    }
    if (body.json !== undefined) {
      this.jsonStrings(body.json, [...at, 'json']);
      return path === undefined ? undefined : { action: 'write', path, json: body.json };
    }
    const content = this.templated(body.content, [...at, 'content'], 'text');
    return path === undefined || content === undefined ? undefined : { action: 'write', path, content };
  }

  private absolutePath(x: unknown, path: ScriptPath): string | undefined {
    const s = this.str(x, path);
    const problem = s === undefined ? undefined : pathProblem(s);
    if (problem) this.fail(path, problem);
    return problem ? undefined : s;
  }

  /** A string where `{{ input }}` is filled (see templateProblem). */
  private templated(x: unknown, path: ScriptPath, syntax: 'text' | 'shell'): string | undefined {
    const s = this.str(x, path);
    const problem = s === undefined ? undefined : templateProblem(s, syntax);
    if (problem) this.fail(path, problem);
    return problem ? undefined : s;
  }

  /** Every string in a `json` value may hold `{{ input }}`: checked like a text. */
  private jsonStrings(value: unknown, path: ScriptPath): void {
    if (typeof value === 'string') this.templated(value, path, 'text');
    else if (Array.isArray(value)) value.forEach((v, i) => this.jsonStrings(v, [...path, i]));
    else if (isObj(value)) for (const [k, v] of Object.entries(value)) this.jsonStrings(v, [...path, k]);
  }

  private usage(raw: unknown, path: ScriptPath): Partial<TurnUsage> {
    if (!isObj(raw)) {
      this.fail(path, `"usage" must be a mapping, got ${describe(raw)}`);
      return {};
    }
    this.keys(raw, path, USAGE_KEYS);
    const out: Partial<TurnUsage> = {};
    for (const k of USAGE_KEYS as (keyof TurnUsage)[]) {
      if (raw[k] === undefined) continue;
      const n = this.int(raw[k], [...path, k], 0);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }

  private error(raw: unknown, path: ScriptPath): ScriptError | undefined {
    if (!isObj(raw)) {
      this.fail(path, `"error" must be a mapping with "status", got ${describe(raw)}`);
      return undefined;
    }
    this.keys(raw, path, ['status', 'type', 'message', 'retry_after']);
    const status = this.int(raw.status, [...path, 'status'], 400, 599);
    let type: ApiErrorType | undefined;
    if (raw.type !== undefined) {
      if (typeof raw.type === 'string' && (API_ERROR_TYPES as readonly string[]).includes(raw.type)) {
        type = raw.type as ApiErrorType;
      } else {
        this.fail([...path, 'type'], `"type" must be one of ${API_ERROR_TYPES.join(', ')}, got ${describe(raw.type)}`);
      }
    } else if (status !== undefined) {
      type = STATUS_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    }
    const message = raw.message === undefined ? undefined : this.str(raw.message, [...path, 'message']);
    const retryAfter =
      raw.retry_after === undefined ? undefined : this.int(raw.retry_after, [...path, 'retry_after'], 0);
    if (status === undefined || type === undefined) return undefined;
    const error: ScriptError = { status, type, message: message ?? `scripted ${type} (HTTP ${status})` };
    if (retryAfter !== undefined) error.retry_after = retryAfter;
    return error;
  }

  private expect(raw: unknown, path: ScriptPath): ExpectToolResult | undefined {
    if (!isObj(raw)) {
      this.fail(path, `"expect_tool_result" must be a mapping, got ${describe(raw)}`);
      return undefined;
    }
    this.keys(raw, path, ['is_error', 'contains']);
    const out: ExpectToolResult = {};
    if (raw.is_error !== undefined) {
      if (typeof raw.is_error === 'boolean') out.is_error = raw.is_error;
      else this.fail([...path, 'is_error'], `"is_error" must be true or false, got ${describe(raw.is_error)}`);
    }
    if (raw.contains !== undefined) {
      const s = this.str(raw.contains, [...path, 'contains']);
      if (s !== undefined) out.contains = s;
    }
    return out;
  }
}

/**
 * Fills what the script left out: a small fixed input, no cache, and output tokens estimated from what the
 * turn says (about four characters per token), so an unscripted usage still looks like a real answer.
 */
export function resolveUsage(given: Partial<TurnUsage>, text: string | undefined, calls: ScriptCall[]): TurnUsage {
  const callChars = (c: ScriptCall) =>
    'name' in c ? c.name.length + JSON.stringify(c.input).length : JSON.stringify(c).length;
  const outChars = (text?.length ?? 0) + calls.reduce((n, c) => n + callChars(c), 0);
  return {
    input_tokens: given.input_tokens ?? DEFAULT_INPUT_TOKENS,
    output_tokens: given.output_tokens ?? Math.max(1, Math.ceil(outChars / 4)),
    cache_read_input_tokens: given.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: given.cache_creation_input_tokens ?? 0,
  };
}
