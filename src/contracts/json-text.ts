// JSON parsing with a position on failure. V8's messages carry an offset only sometimes ("Unexpected end of JSON
// input" has none, "Unexpected token" quotes the text instead), so on failure a small strict scanner finds the
// offset itself, and the error names line:column — what a model needs to fix its file.
import { CheckFailed } from './failure.js';

export interface JsonSyntaxProblem {
  offset: number;
  line: number;
  column: number;
  message: string;
}

/** 1-based line and column (in UTF-16 code units, as editors count) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Math.min(offset, text.length) - lineStart + 1 };
}

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  fail(message: string, at = this.i): never {
    throw Object.assign(new Error(message), { offset: at });
  }
  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++;
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  describe(): string {
    const c = this.peek();
    return c === undefined ? 'end of input' : `'${c}'`;
  }
  value(): void {
    this.ws();
    const c = this.peek();
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(
      c === undefined ? 'unexpected end of input, expected a value' : `unexpected ${this.describe()}, expected a value`,
    );
  }
  object(): void {
    this.i++;
    this.ws();
    if (this.peek() === '}') return void this.i++;
    for (;;) {
      this.ws();
      if (this.peek() !== '"') this.fail(`expected a double-quoted property name, found ${this.describe()}`);
      this.string();
      this.ws();
      if (this.peek() !== ':') this.fail(`expected ':' after the property name, found ${this.describe()}`);
      this.i++;
      this.value();
      this.ws();
      const c = this.peek();
      if (c === '}') return void this.i++;
      if (c !== ',') this.fail(`expected ',' or '}' after a property value, found ${this.describe()}`);
      this.i++;
    }
  }
  array(): void {
    this.i++;
    this.ws();
    if (this.peek() === ']') return void this.i++;
    for (;;) {
      this.value();
      this.ws();
      const c = this.peek();
      if (c === ']') return void this.i++;
      if (c !== ',') this.fail(`expected ',' or ']' after an array element, found ${this.describe()}`);
      this.i++;
    }
  }
  string(): void {
    this.i++;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return void this.i++;
      if (c.charCodeAt(0) < 0x20) this.fail('control character in a string (escape it, e.g. \\n)');
      if (c === '\\') {
        const e = this.s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape');
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`bad escape '\\${e ?? ''}'`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }
  number(): void {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    if (!m.exec(this.s)) this.fail('malformed number');
    this.i = m.lastIndex;
  }
  document(): void {
    this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${this.describe()} after the JSON value`);
  }
}

/** Where and why `text` is not JSON; undefined when it is. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (err) {
    const offset = (err as { offset?: number }).offset ?? text.length;
    return { offset, ...lineColumn(text, offset), message: (err as Error).message };
  }
}

/** Parses JSON or throws CheckFailed naming `rel:line:column`. */
export function parseJsonText(text: string, rel: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const problem = findJsonSyntaxProblem(text) ?? {
      ...lineColumn(text, text.length),
      message: (err as Error).message,
    };
    throw new CheckFailed(
      { path: `${rel}:${problem.line}:${problem.column}`, message: `invalid JSON: ${problem.message}` },
      { parseError: { line: problem.line, column: problem.column } },
    );
  }
}
