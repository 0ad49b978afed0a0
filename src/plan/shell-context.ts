// Where a placeholder sits in a shell script, so its value can be quoted for exactly that place. A value pasted
// into a script unquoted is code (`$(id)` in the input runs); single-quoting it is only right where the shell
// reads single quotes as quotes. This is a small lexer for the sh grammar that matters here: quotes, backslashes,
// `$(…)` (with `case … esac` inside), backticks, `${…}`, `$((…))`, comments and here-documents. Places where no
// quoting is safe (a comment or a here-document body, where a newline or a `$` in the value would escape, and
// backticks, `${…}` and arithmetic, whose own rules re-read the text) are reported as unsafe, never guessed at.

/** How a placeholder's value must be written at its place in the script. */
export type ShellPlace =
  | { kind: 'word' } // unquoted: becomes one single-quoted word
  | { kind: 'single' } // inside '…': the value's own quotes are closed and reopened
  | { kind: 'double' } // inside "…": the double quote is closed around a single-quoted value
  | { kind: 'unsafe'; where: string };

type Frame =
  | { kind: 'top' }
  | { kind: 'sub'; depth: number; caseDepth: number } // $( … )
  | { kind: 'double' }
  | { kind: 'single' }
  | { kind: 'backtick' }
  | { kind: 'param'; depth: number } // ${ … }
  | { kind: 'arith'; depth: number }; // $(( … ))

interface Heredoc {
  delimiter: string;
  stripTabs: boolean;
}

/** Characters after which a `#` starts a comment (the start of a word). */
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

/**
 * The place of each span (start/end offsets of a placeholder, in order and not overlapping) in `script`.
 * Spans are opaque to the lexer: they stand for a word's characters.
 */
export function shellPlaces(script: string, spans: ReadonlyArray<{ start: number; end: number }>): ShellPlace[] {
  const places: ShellPlace[] = [];
  const stack: Frame[] = [{ kind: 'top' }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  const pending: Heredoc[] = [];
  let heredoc: Heredoc | undefined;
  let lineStart = 0;
  let inComment = false;
  let span = 0;
  let i = 0;

  const placeOf = (): ShellPlace => {
    if (heredoc) return { kind: 'unsafe', where: 'inside a here-document' };
    if (inComment) return { kind: 'unsafe', where: 'inside a comment' };
    const frame = top();
    switch (frame.kind) {
      case 'top':
      case 'sub':
        return { kind: 'word' };
      case 'single':
        return { kind: 'single' };
      case 'double':
        return { kind: 'double' };
      case 'backtick':
        return { kind: 'unsafe', where: 'inside backticks (use $(…) instead)' };
      case 'param':
        return { kind: 'unsafe', where: 'inside ${…}' };
      case 'arith':
        return { kind: 'unsafe', where: 'inside $((…))' };
    }
  };

  while (i < script.length) {
    const next = spans[span];
    if (next && i >= next.start) {
      places.push(placeOf());
      i = next.end;
      span++;
      continue;
    }
    const c = script[i] as string;

    if (heredoc) {
      // A body line ends the here-document when it is exactly the delimiter.
      if (c === '\n' || i === script.length - 1) {
        const end = c === '\n' ? i : i + 1;
        let line = script.slice(lineStart, end);
        if (heredoc.stripTabs) line = line.replace(/^\t+/, '');
        if (line === heredoc.delimiter) heredoc = pending.shift();
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    if (inComment) {
      if (c === '\n') {
        inComment = false;
        continue; // the newline is seen again, outside the comment
      }
      i++;
      continue;
    }

    const frame = top();
    if (frame.kind === 'single') {
      if (c === "'") stack.pop();
      i++;
      continue;
    }
    if (frame.kind === 'backtick') {
      if (c === '\\') i += 2;
      else {
        if (c === '`') stack.pop();
        i++;
      }
      continue;
    }
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (frame.kind === 'double') {
      if (c === '"') stack.pop();
      else if (c === '`') stack.push({ kind: 'backtick' });
      else if (c === '$') i += openDollar(script, i, stack) - 1;
      i++;
      continue;
    }
    if (frame.kind === 'param' || frame.kind === 'arith') {
      if (c === '{' || c === '(') frame.depth++;
      else if (c === '}' || c === ')') {
        frame.depth--;
        if (frame.depth === 0) {
          stack.pop();
          if (frame.kind === 'arith') i++; // the second ')' of '))'
        }
      } else if (c === "'" && frame.kind === 'param') stack.push({ kind: 'single' });
      else if (c === '"') stack.push({ kind: 'double' });
      i++;
      continue;
    }

    // Unquoted: the script itself, or the inside of $( … ).
    if (c === "'") stack.push({ kind: 'single' });
    else if (c === '"') stack.push({ kind: 'double' });
    else if (c === '`') stack.push({ kind: 'backtick' });
    else if (c === '$') i += openDollar(script, i, stack) - 1;
    else if (c === '#' && (i === 0 || WORD_BREAK.has(script[i - 1] as string))) inComment = true;
    else if (c === '<' && script[i + 1] === '<' && script[i + 2] !== '<') {
      const parsed = heredocStart(script, i, spans, span);
      if (parsed.unsafeSpan) {
        // A placeholder in the delimiter: nothing can make that safe.
        places.push({ kind: 'unsafe', where: 'in a here-document delimiter' });
        span++;
      }
      pending.push(parsed.heredoc);
      i = parsed.end;
      continue;
    } else if (c === '\n') {
      lineStart = i + 1;
      if (pending.length) heredoc = pending.shift();
    } else if (frame.kind === 'sub') {
      if (isKeywordAt(script, i, 'case')) frame.caseDepth++;
      else if (isKeywordAt(script, i, 'esac')) frame.caseDepth--;
      else if (c === '(') frame.depth++;
      else if (c === ')' && frame.depth > 0) frame.depth--;
      else if (c === ')' && frame.caseDepth <= 0) stack.pop();
    }
    i++;
  }
  // Placeholders past the end of a here-document that never ended (the lexer consumed them as its body).
  while (span < spans.length) {
    places.push(placeOf());
    span++;
  }
  return places;
}

/** At a `$`: opens $( … ), $(( … )) or ${ … }; returns how many characters the opener takes. */
function openDollar(script: string, i: number, stack: Frame[]): number {
  if (script[i + 1] === '(' && script[i + 2] === '(') {
    stack.push({ kind: 'arith', depth: 1 });
    return 3;
  }
  if (script[i + 1] === '(') {
    stack.push({ kind: 'sub', depth: 0, caseDepth: 0 });
    return 2;
  }
  if (script[i + 1] === '{') {
    stack.push({ kind: 'param', depth: 1 });
    return 2;
  }
  return 1;
}

function isKeywordAt(script: string, i: number, word: string): boolean {
  if (!script.startsWith(word, i)) return false;
  const before = i === 0 ? ' ' : (script[i - 1] as string);
  const after = script[i + word.length] ?? ' ';
  return WORD_BREAK.has(before) && (WORD_BREAK.has(after) || after === '\r');
}

/** Reads `<<[-] WORD` from offset i; the delimiter's quotes are removed (they only turn expansion off). */
function heredocStart(
  script: string,
  i: number,
  spans: ReadonlyArray<{ start: number; end: number }>,
  span: number,
): { heredoc: Heredoc; end: number; unsafeSpan: boolean } {
  let j = i + 2;
  const stripTabs = script[j] === '-';
  if (stripTabs) j++;
  while (script[j] === ' ' || script[j] === '\t') j++;
  let delimiter = '';
  let quote: string | undefined;
  let unsafeSpan = false;
  const next = spans[span];
  while (j < script.length) {
    if (next && j >= next.start && j < next.end) {
      unsafeSpan = true;
      delimiter += script.slice(next.start, next.end);
      j = next.end;
      continue;
    }
    const c = script[j] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else delimiter += c;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      delimiter += script[j + 1] ?? '';
      j++;
    } else if (WORD_BREAK.has(c)) break;
    else delimiter += c;
    j++;
  }
  return { heredoc: { delimiter, stripTabs }, end: j, unsafeSpan };
}

/** `value` as one single-quoted shell word: `it's` → `'it'\''s'`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** `value` written at `place` so that the shell reads exactly `value`, as data. */
export function quoteForPlace(value: string, place: Exclude<ShellPlace, { kind: 'unsafe' }>): string {
  switch (place.kind) {
    case 'word':
      return shellQuote(value);
    case 'single':
      return value.replace(/'/g, "'\\''");
    case 'double':
      return `"${shellQuote(value)}"`;
  }
}
