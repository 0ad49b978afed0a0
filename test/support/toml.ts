// A strict reader for the TOML subset Wave writes (src/adapters/toml.ts), following the TOML 1.0 text rather than
// JSON's rules: raw control characters (DEL included) are refused in basic strings, \u escapes may not name a
// surrogate, only TOML's escapes are read, and a key or table defined twice is an error. Tests read Wave's files
// with it as the CLIs' own TOML parsers would, until a TOML library is a dependency.

type Table = Record<string, unknown>;

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new Error(`TOML: ${what} at offset ${this.pos}: ${JSON.stringify(this.text.slice(this.pos, this.pos + 20))}`);
  }

  skipSpaces(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  /** Spaces, then a comment or nothing up to the end of the line. */
  endOfLine(): void {
    this.skipSpaces();
    if (this.text[this.pos] === '#') {
      while (this.pos < this.text.length && this.text[this.pos] !== '\n') {
        const code = this.text.charCodeAt(this.pos);
        if ((code < 0x20 && code !== 0x09) || code === 0x7f) this.fail('control character in a comment');
        this.pos++;
      }
    }
    if (this.pos < this.text.length && this.text[this.pos] !== '\n') this.fail('expected the end of the line');
    this.pos++;
  }

  basicString(): string {
    if (this.text[this.pos] !== '"') this.fail('expected "');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      const code = c.charCodeAt(0);
      if ((code < 0x20 && code !== 0x09) || code === 0x7f) this.fail(`raw control character U+${code.toString(16)}`);
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = this.text.charCodeAt(this.pos + 1);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) this.fail('lone surrogate (not encodable as UTF-8)');
        out += this.text.slice(this.pos, this.pos + 2);
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
      } else if (e === 'u' || e === 'U') {
        const digits = this.text.slice(this.pos, this.pos + (e === 'u' ? 4 : 8));
        if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== (e === 'u' ? 4 : 8)) this.fail('bad unicode escape');
        const point = parseInt(digits, 16);
        if ((point >= 0xd800 && point <= 0xdfff) || point > 0x10ffff) this.fail('escape of a non-scalar value');
        out += String.fromCodePoint(point);
        this.pos += digits.length;
      } else {
        this.fail(`unknown escape \\${e ?? ''}`);
      }
    }
  }

  key(): string {
    if (this.text[this.pos] === '"') return this.basicString();
    const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a key');
    this.pos += m[0].length;
    return m[0];
  }

  /** `a.b."c d"` */
  dottedKey(): string[] {
    const parts = [this.key()];
    for (;;) {
      this.skipSpaces();
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
      this.skipSpaces();
      parts.push(this.key());
    }
  }

  value(): unknown {
    const c = this.text[this.pos];
    if (c === '"') return this.basicString();
    if (c === '[') {
      this.pos++;
      const items: unknown[] = [];
      for (;;) {
        this.skipSpaces();
        if (this.text[this.pos] === ']') break;
        items.push(this.value());
        this.skipSpaces();
        if (this.text[this.pos] === ',') this.pos++;
        else if (this.text[this.pos] !== ']') this.fail('expected , or ]');
      }
      this.pos++;
      return items;
    }
    const literal = /^(true|false|[+-]?(?:0|[1-9](?:_?\d)*)(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=[\s,\]#]|$)/;
    const m = literal.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0].replace(/_/g, ''));
  }
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Walks to (creating) the table at `path`; an array of tables continues at its last element. */
function descend(root: Table, path: string[]): Table {
  let t = root;
  for (const part of path) {
    const next: unknown = Object.hasOwn(t, part) ? t[part] : (t[part] = {});
    if (Array.isArray(next) && isTable(next[next.length - 1])) t = next[next.length - 1] as Table;
    else if (isTable(next)) t = next;
    else throw new Error(`TOML: '${part}' is a value, not a table`);
  }
  return t;
}

/** Parses `text`; throws on anything outside the subset or against the TOML rules named above. */
export function readToml(text: string): Table {
  const r = new Reader(text);
  const root: Table = {};
  const defined = new Set<Table>();
  let current = root;
  while (r.pos < text.length) {
    r.skipSpaces();
    const c = text[r.pos];
    if (c === '\n' || c === '#') {
      r.endOfLine();
    } else if (c === '[') {
      const array = text[r.pos + 1] === '[';
      r.pos += array ? 2 : 1;
      r.skipSpaces();
      const path = r.dottedKey();
      if (text.slice(r.pos, r.pos + (array ? 2 : 1)) !== (array ? ']]' : ']')) r.fail('expected ]');
      r.pos += array ? 2 : 1;
      r.endOfLine();
      const parent = descend(root, path.slice(0, -1));
      const last = path[path.length - 1]!;
      if (array) {
        const list = Object.hasOwn(parent, last) ? parent[last] : (parent[last] = []);
        if (!Array.isArray(list)) throw new Error(`TOML: [[${path.join('.')}]] after a table of that name`);
        current = {};
        list.push(current);
      } else {
        current = descend(parent, [last]);
        if (defined.has(current)) throw new Error(`TOML: table [${path.join('.')}] defined twice`);
      }
      defined.add(current);
    } else {
      const path = r.dottedKey();
      r.skipSpaces();
      if (text[r.pos] !== '=') r.fail('expected =');
      r.pos++;
      r.skipSpaces();
      const value = r.value();
      r.endOfLine();
      const table = descend(current, path.slice(0, -1));
      const last = path[path.length - 1]!;
      if (Object.hasOwn(table, last)) throw new Error(`TOML: key '${path.join('.')}' defined twice`);
      table[last] = value;
    }
  }
  return root;
}
