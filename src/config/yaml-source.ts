// Parses YAML keeping the document tree, so every later check can point at file:line:column of the node it
// complains about. Syntax errors become Problems with their own positions.

import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import type { Problem } from './problems.js';
import type { DocPath, Locator, Position, SourceLocator } from './types.js';

/** How many nodes aliases may expand to in one document. */
const MAX_ALIAS_EXPANSIONS = 1000;

export interface YamlSource {
  /** The path used in messages (as given, usually absolute). */
  file: string;
  /** The plain JS value; undefined when the file has syntax errors. */
  value: unknown;
  problems: Problem[];
  locate: Locator;
  source: SourceLocator;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const pos = err.linePos?.[0];
    problems.push({
      severity: 'error',
      file,
      line: pos?.line,
      column: pos?.col,
      message: `YAML syntax: ${cleanYamlMessage(err.message)}`,
    });
  }
  for (const warn of doc.warnings) {
    const pos = warn.linePos?.[0];
    problems.push({
      severity: 'warning',
      file,
      line: pos?.line,
      column: pos?.col,
      message: `YAML: ${cleanYamlMessage(warn.message)}`,
    });
  }
  const toPosition = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate: Locator = (path, at = 'value') => {
    const offset = offsetOf(doc, path, at);
    return offset === undefined ? undefined : toPosition(offset);
  };
  const source: SourceLocator = (path) => {
    const node = nodeAt(doc, path);
    if (!isScalar(node) || !node.range) return undefined;
    const [start, end] = node.range;
    return { raw: text.slice(start, end), positionAt: (offset) => toPosition(start + offset) };
  };
  const value = doc.errors.length === 0 ? toValue(doc, file, problems, toPosition) : undefined;
  return { file, value, problems, locate, source };
}

/**
 * The document as plain values. Aliases that expand beyond a sane count ("billion laughs") are refused by the
 * yaml library; that is the file's fault, so it becomes a problem at the first alias, not a crash.
 */
type ToPosition = (offset: number) => Position;

function toValue(doc: Document.Parsed, file: string, problems: Problem[], toPosition: ToPosition): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (err) {
    if (!(err instanceof ReferenceError || err instanceof RangeError)) throw err;
    let first: Position | undefined;
    visit(doc, {
      Alias(_key, node) {
        const offset = node.range?.[0];
        if (offset !== undefined) first = toPosition(offset);
        return visit.BREAK;
      },
    });
    problems.push({
      severity: 'error',
      file,
      line: first?.line ?? 1,
      column: first?.column ?? 1,
      message: `YAML: the aliases (*name) expand to more than ${MAX_ALIAS_EXPANSIONS} nodes`,
      hint: 'write the values out, or use fewer aliases; a file that expands without limit is refused',
    });
    return undefined;
  }
}

/** The yaml library appends " at line L, column C:" and a code excerpt; we print the position ourselves. */
function cleanYamlMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/**
 * The source offset of the node at `path` (or of its key, for `at: 'key'`). When the path leads somewhere that
 * does not exist, the deepest node that does exist is used, so a message still lands close to its cause.
 */
function offsetOf(doc: Document.Parsed, path: DocPath, at: 'key' | 'value'): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => keyText(p.key) === String(seg));
      if (!pair) return best;
      if (last && at === 'key') return rangeStart(pair.key) ?? best;
      node = pair.value;
      // `key:` with no value has no value node; point at the key instead.
      best = rangeStart(node) ?? rangeStart(pair.key) ?? best;
    } else if (isSeq(node)) {
      const index = typeof seg === 'number' ? seg : Number(seg);
      const item: unknown = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined) return best;
      node = item;
      best = rangeStart(node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

/** The node at `path`, or undefined when the path does not lead to one. */
function nodeAt(doc: Document.Parsed, path: DocPath): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) node = node.items.find((p: Pair) => keyText(p.key) === String(seg))?.value;
    else if (isSeq(node)) node = node.items[typeof seg === 'number' ? seg : Number(seg)];
    else return undefined;
  }
  return node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (isPair(node)) return rangeStart(node.key);
  const range = (node as YamlNode).range;
  return range ? range[0] : undefined;
}
