// Parses YAML keeping the document tree, so every later check can point at file:line:column of the node it
// complains about. Syntax errors become Problems with their own positions.

import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import type { Problem } from './problems.js';
import type { DocPath, Locator, Position } from './types.js';

export interface YamlSource {
  /** The path used in messages (as given, usually absolute). */
  file: string;
  /** The plain JS value; undefined when the file has syntax errors. */
  value: unknown;
  problems: Problem[];
  locate: Locator;
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
  const value = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined;
  return { file, value, problems, locate };
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
