// One shape for everything wrong with a configuration file, so `wave validate` can list every problem at once
// and `wave run` can refuse with the same text.

import { WaveError } from '../errors.js';

export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based. */
  line?: number | undefined;
  /** 1-based. */
  column?: number | undefined;
  message: string;
  hint?: string | undefined;
}

/** `file:line:col: error: message`, and the hint on a second, indented line. */
export function formatProblem(p: Problem): string {
  let where = p.file;
  if (p.line !== undefined) {
    where += `:${p.line}`;
    if (p.column !== undefined) where += `:${p.column}`;
  }
  const head = `${where}: ${p.severity}: ${p.message}`;
  return p.hint ? `${head}\n  hint: ${p.hint}` : head;
}

export function isError(p: Problem): boolean {
  return p.severity === 'error';
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some(isError);
}

/** Orders by file, then position; problems without a position come first within their file. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

/** Drops exact duplicates (the same message at the same place), which schema validators like to produce. */
export function dedupeProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.severity}\0${p.file}\0${p.line}\0${p.column}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Turns the errors among `problems` into one WaveError whose details list every problem (errors and warnings,
 * formatted). Callers only use it when there is at least one error.
 */
export function problemsToError(
  code: 'manifest_invalid' | 'pipeline_invalid',
  problems: readonly Problem[],
): WaveError {
  const sorted = sortProblems(problems);
  const errors = sorted.filter(isError);
  const files = [...new Set(errors.map((p) => p.file))];
  const what = code === 'manifest_invalid' ? 'manifest' : 'pipeline';
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  const first = errors[0];
  const message =
    errors.length === 1 && first
      ? `invalid ${what}: ${formatProblem({ ...first, hint: undefined })}`
      : `invalid ${what} ${files.join(', ')}: ${count}`;
  return new WaveError(code, message, {
    details: sorted.map((p) => formatProblem(p)),
    hint: first?.hint ?? 'fix the problems listed above; `wave validate` checks the whole project',
  });
}

/** A value from a user's file as a message quotes it: scalars as written, mappings and lists as JSON. */
export function showValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}
