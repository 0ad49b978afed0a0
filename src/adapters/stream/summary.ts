// What the audit trace keeps of a tool call and its result: bounded strings, file paths and sizes, never the
// content a call writes. Nothing here knows a particular CLI; each stream picks the summary per tool.
import type { ToolInputSummary } from '../types.js';
import { isObject, type JsonObject } from './json.js';

export const BASH_COMMAND_MAX = 500;
export const TOOL_JSON_MAX = 500;
export const TOOL_RESULT_MAX = 2000;

/**
 * At most `max` characters; a cut string ends in '…' (counted in `max`). Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Compact JSON with object keys sorted, so that a summary never depends on the CLI's key order. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value)) ?? 'null';
}

/** The catch-all summary: the input as canonical compact JSON, truncated. */
export function jsonSummary(input: unknown): ToolInputSummary {
  return { json: truncate(canonicalJson(input), TOOL_JSON_MAX) };
}

/** A file-writing call: the path and how many characters it writes, never the content itself. */
export function fileWriteSummary(path: unknown, content: unknown, pathKey = 'file_path'): ToolInputSummary {
  const out: ToolInputSummary = {};
  if (typeof path === 'string') out[pathKey] = truncate(path, TOOL_JSON_MAX);
  out.content_length = typeof content === 'string' ? content.length : 0;
  return out;
}

export function commandSummary(command: unknown): ToolInputSummary {
  return { command: typeof command === 'string' ? truncate(command, BASH_COMMAND_MAX) : '' };
}

/** Per tool name, how a CLI summarizes a call's input; a tool it does not list gets the JSON summary. */
export type InputSummaries = ReadonlyMap<string, (input: JsonObject) => ToolInputSummary>;

export function summarizeInput(summaries: InputSummaries, name: string, input: unknown): ToolInputSummary {
  if (!isObject(input)) return jsonSummary(input);
  return summaries.get(name)?.(input) ?? jsonSummary(input);
}
