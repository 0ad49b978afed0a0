// Helpers shared by the adapters: defensive JSON access, truncation, tool-input summaries and the provider-error
// text classifier. Nothing here knows a particular CLI.
import type { AgentFailure, AgentOutcome, FailureClass, ToolInputSummary } from './types.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One NDJSON line → an object, or undefined for empty lines, non-JSON noise and non-object JSON. */
export function parseJsonLine(line: string): JsonObject | undefined {
  const text = line.trim();
  if (text === '' || text[0] !== '{') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The objects in a chunk of NDJSON: one line, or several joined by newlines; each line as parseJsonLine reads it. */
export function parseJsonLines(text: string): JsonObject[] {
  return text.split('\n').flatMap<JsonObject>((line) => parseJsonLine(line) ?? []);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite, non-negative number (token counts, costs, durations), else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

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

export const BASH_COMMAND_MAX = 500;
export const TOOL_JSON_MAX = 500;
export const TOOL_RESULT_MAX = 2000;

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

// ---------------------------------------------------------------------------------------------------------------
// Provider error classification. Used only on error texts (error results, synthetic API-error messages), never on
// the model's own answer: a successful run whose answer discusses "rate limits" is not rate limited
// (agent-clis.md §7, the false matches described at claude.go:185-188). Structured fields are checked first by
// each adapter; this is the fallback.

/** The class of a provider HTTP status. */
export function classifyHttpStatus(status: number): FailureClass | undefined {
  if (status === 429) return 'rate_limit';
  if (status === 413) return 'context_exhausted';
  if (status === 529 || (status >= 500 && status <= 599)) return 'provider_error';
  return undefined;
}

const CONTEXT_RE =
  /prompt is too long|context[ _-]?(window|length)[ _-]?(exceeded|limit|overflow)|context_length_exceeded|maximum context length|exceeds? the (model'?s? )?(maximum )?context|input is too long|too many (input )?tokens/i;
const STATUS_RE = /\bAPI Error:?\s*(\d{3})\b|\b(?:status|status code|HTTP)\s*:?\s*(\d{3})\b/i;
const RATE_RE = /rate[ _-]?limit|too many requests|\b429\b|quota exceeded|usage limit/i;
const PROVIDER_RE =
  /overloaded|\b5\d\d\b|internal server error|service unavailable|bad gateway|gateway timeout|server_error|api_error|API Error|connection (error|refused|reset)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed/i;

/** Classify an error text; undefined when nothing in it is recognized. */
export function classifyErrorText(text: string): FailureClass | undefined {
  if (CONTEXT_RE.test(text)) return 'context_exhausted';
  const status = STATUS_RE.exec(text);
  const code = Number(status?.[1] ?? status?.[2]);
  if (Number.isInteger(code)) {
    const byStatus = classifyHttpStatus(code);
    if (byStatus) return byStatus;
  }
  if (RATE_RE.test(text)) return 'rate_limit';
  if (PROVIDER_RE.test(text)) return 'provider_error';
  return undefined;
}

/** Order-preserving de-duplication. */
export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** Order-preserving de-duplication by a key: the first item with each key stays. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Exit codes and failure reasons.

/** The longest failure reason an outcome carries. */
export const REASON_MAX = 500;

/**
 * How a CLI's exit reads in a failure reason: killed (no code), SIGTERM (143), SIGKILL (137), or the code, with the
 * CLI's own meaning for it when `meaning` knows one.
 */
export function describeExit(cli: string, exitCode: number | null, meaning?: (exitCode: number) => string | undefined): string {
  if (exitCode === null) return `${cli} was killed (no exit code)`;
  const own = meaning?.(exitCode);
  if (own !== undefined) return `${cli} exited with code ${exitCode} (${own})`;
  if (exitCode === 143) return `${cli} was terminated (exit 143, SIGTERM)`;
  if (exitCode === 137) return `${cli} was killed (exit 137, SIGKILL)`;
  return `${cli} exited with code ${exitCode}`;
}

/** Marks the outcome failed with `failure` (its reason cut to REASON_MAX); no failure leaves it as it is. */
export function applyFailure(outcome: AgentOutcome, failure: AgentFailure | undefined): AgentOutcome {
  if (failure) {
    outcome.ok = false;
    outcome.failure = { class: failure.class, reason: truncate(failure.reason, REASON_MAX) };
  }
  return outcome;
}
