// The one small expression form of conditions (`loop.until`, graph edges): comparisons of references and
// literals joined by && and ||, e.g. `{{ steps.check.output.state }} == 'done' || {{ steps.check.output.n }} > 3`.
// Operands: a reference `{{ … }}` (in iterate.over's form), a 'string' or "string", a number, true, false, null.
// Operators: == != < > <= >= (order needs numbers on both sides), then && before ||. No parentheses.
// The original Wave's forms are read too: a reference without `steps.` (`{{ review.output.verdict }}`, read as
// iterate.over reads it), the whole expression inside one pair of braces (`{{ review.output.verdict == 'APPROVE' }}`,
// references written bare), a reference alone, which holds when its value is true, 'true', 'yes' or 'done' (the
// original's loop.until), and the edge form `outcome=success` / `outcome=failure` (`=` is `==`; the word `outcome`
// is the reference OUTCOME, which only a graph edge can give a value: the outcome of the step it leaves).
// Pure: parsing gives a column for file:line errors; evaluation asks the caller for each reference's value.

export type Operand = { kind: 'ref'; ref: string } | { kind: 'literal'; value: string | number | boolean | null };
export type Comparison =
  | { op: '==' | '!=' | '<' | '>' | '<=' | '>='; left: Operand; right: Operand }
  /** A reference alone: it holds when its value is true, 'true', 'yes' or 'done'. */
  | { op: 'truthy'; left: Operand; right?: undefined };
/** Alternatives (||) of conjunctions (&&) of comparisons. */
export type Condition = Comparison[][];

export type Parsed = { ok: true; condition: Condition } | { ok: false; message: string; column: number };

type Token = { text: string; column: number; operand?: Operand };

const OPS = ['==', '!=', '<=', '>=', '<', '>', '&&', '||', '='] as const;

/** The reference the bare word `outcome` stands for: the outcome (success or failure) of the step an edge leaves. */
export const OUTCOME = 'outcome';
const OUTCOMES = ['success', 'failure'];

/** `bare`: inside the original's `{{ … }}` around the whole expression, where references carry no braces. */
function tokenize(text: string, bare = false): Token[] | { message: string; column: number } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const column = i + 1;
    const rest = text.slice(i);
    if (rest.startsWith('{{')) {
      const end = text.indexOf('}}', i);
      if (end < 0) return { message: "a reference '{{' is not closed", column };
      const ref = text.slice(i, end + 2);
      tokens.push({ text: ref, column, operand: { kind: 'ref', ref } });
      i = end + 2;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ text: op === '=' ? '==' : op, column });
      i += op.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return { message: `a string ${ch}… is not closed`, column };
      tokens.push({
        text: text.slice(i, end + 1),
        column,
        operand: { kind: 'literal', value: text.slice(i + 1, end) },
      });
      i = end + 1;
      continue;
    }
    const word = /^[^\s=!<>&|'"{}]+/.exec(rest)?.[0];
    if (!word) return { message: `unexpected '${ch}'`, column };
    i += word.length;
    if (word === OUTCOME) {
      tokens.push({ text: word, column, operand: { kind: 'ref', ref: OUTCOME } });
      continue;
    }
    // The original's `outcome=success`: the outcome's two values may be written bare.
    if (tokens.at(-2)?.operand?.kind === 'ref' && tokens.at(-2)?.text === OUTCOME) {
      if (!OUTCOMES.includes(word)) return { message: `outcome is success or failure, not '${word}'`, column };
      tokens.push({ text: word, column, operand: { kind: 'literal', value: word } });
      continue;
    }
    if (word.startsWith('context.')) {
      const hint = `compare a step's JSON output instead: {{ steps.<id>.output.${word.slice(8)} }} == '…'`;
      return { message: `the original's '${word}' has no value in Wave; ${hint}`, column };
    }
    const literal = wordLiteral(word);
    if (literal === undefined && bare && REF_PATH.test(word)) {
      tokens.push({ text: word, column, operand: { kind: 'ref', ref: `{{ ${word} }}` } });
      continue;
    }
    if (literal === undefined) {
      return { message: `'${word}' is not a value: quote a string ('${word}') or write a {{ reference }}`, column };
    }
    tokens.push({ text: word, column, operand: { kind: 'literal', value: literal } });
  }
  return tokens;
}

/** A step reference written bare: `<step>.output.<field>`, `steps.<step>.artifacts.<name>`. */
const REF_PATH = /^[A-Za-z0-9][\w-]*(\.[\w-]+)+$/;

/** The original's `{{ a.output.x == 'y' }}`: one pair of braces around an expression, not around a reference. */
function wholeInBraces(text: string): { inner: string; offset: number } | undefined {
  const match = /^(\s*\{\{)(.*)\}\}\s*$/s.exec(text);
  const inner = match?.[2];
  if (!match?.[1] || inner === undefined || inner.includes('{{') || inner.includes('}}')) return undefined;
  return /[=!<>&|'"]/.test(inner) ? { inner, offset: match[1].length } : undefined;
}

function wordLiteral(word: string): number | boolean | null | undefined {
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (word === 'null') return null;
  return /^-?\d+(\.\d+)?$/.test(word) ? Number(word) : undefined;
}

export function parseCondition(text: string): Parsed {
  const braced = wholeInBraces(text);
  if (braced) {
    const parsed = parseTokens(braced.inner, tokenize(braced.inner, true));
    return parsed.ok ? parsed : { ...parsed, column: parsed.column + braced.offset };
  }
  return parseTokens(text, tokenize(text));
}

function parseTokens(text: string, tokens: ReturnType<typeof tokenize>): Parsed {
  if (!Array.isArray(tokens)) return { ok: false, ...tokens };
  if (tokens.length === 0) return { ok: false, message: 'the condition is empty', column: 1 };
  const condition: Condition = [[]];
  let at = 0;
  const expected = (what: string): Parsed => {
    const token = tokens[at];
    const got = token ? `'${token.text}'` : 'the end';
    return { ok: false, message: `expected ${what}, got ${got}`, column: token?.column ?? text.length + 1 };
  };
  for (;;) {
    const left = tokens[at]?.operand;
    if (!left) return expected('a {{ reference }} or a value');
    const op = tokens[at + 1]?.text;
    if (left.kind === 'ref' && (op === undefined || op === '&&' || op === '||')) {
      condition.at(-1)?.push({ op: 'truthy', left });
      at++;
      if (op === undefined) return { ok: true, condition };
      if (op === '||') condition.push([]);
      at++;
      continue;
    }
    if (!op || !['==', '!=', '<', '>', '<=', '>='].includes(op)) {
      at++;
      return expected('a comparison (== != < > <= >=)');
    }
    const right = tokens[at + 2]?.operand;
    if (!right) {
      at += 2;
      return expected('a {{ reference }} or a value');
    }
    condition.at(-1)?.push({ op: op as '==', left, right });
    at += 3;
    const joiner = tokens[at]?.text;
    if (joiner === undefined) return { ok: true, condition };
    if (joiner === '||') condition.push([]);
    else if (joiner !== '&&') return expected('&&, || or the end');
    at++;
  }
}

/** Each reference of the condition, as written (`{{ steps.x.output.f }}`), once. */
export function conditionReferences(condition: Condition): string[] {
  const operands = condition.flat().flatMap((c) => (c.right ? [c.left, c.right] : [c.left]));
  const refs = operands.flatMap((o) => (o.kind === 'ref' ? [o.ref] : []));
  return [...new Set(refs)];
}

export type Evaluated = { ok: true; holds: boolean } | { ok: false; message: string };

/**
 * Whether the condition holds, with `valueOf` giving each reference's JSON value. Equality compares numbers as
 * numbers and anything else by its text (a string as is, other values as JSON); order needs two numbers.
 */
export function evaluateCondition(condition: Condition, valueOf: (ref: string) => unknown): Evaluated {
  let holds = false;
  for (const all of condition) {
    let each = true;
    for (const c of all) {
      const left = c.left.kind === 'ref' ? valueOf(c.left.ref) : c.left.value;
      if (c.op === 'truthy') {
        each &&= left === true || ['true', 'yes', 'done'].includes(text(left).trim().toLowerCase());
        continue;
      }
      const right = c.right.kind === 'ref' ? valueOf(c.right.ref) : c.right.value;
      const compared = compare(c.op, left, right);
      if (typeof compared === 'string') return { ok: false, message: compared };
      each &&= compared;
    }
    holds ||= each;
  }
  return { ok: true, holds };
}

function compare(op: Exclude<Comparison['op'], 'truthy'>, left: unknown, right: unknown): boolean | string {
  if (op === '==' || op === '!=') {
    const same = typeof left === 'number' && typeof right === 'number' ? left === right : text(left) === text(right);
    return op === '==' ? same : !same;
  }
  if (typeof left !== 'number' || typeof right !== 'number') {
    return `${op} compares numbers, not ${text(left)} and ${text(right)}`;
  }
  return op === '<' ? left < right : op === '>' ? left > right : op === '<=' ? left <= right : left >= right;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}
