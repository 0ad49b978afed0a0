// test_diff: the step removed no more than `max_test_deletions` (default 0) tests, net, as in the original. A test is a
// line matching `test_func_pattern` in a file matching `test_file_pattern`; the counts of every changed test file
// before and after the change are summed (a deleted file loses all of its tests), so a test moved within a file or
// from one test file to another is not a deletion. The files that lost tests are named when the net count fails.
import { matchingFiles, changesOf } from './source-diff.js';
import { expectString, expectStringList } from './spec-checks.js';
import { WaveError } from '../errors.js';
import { ContractConfigError } from './failure.js';
import type { ContractChanges, ContractDefinition, ContractInput, TestDiffSpec } from './types.js';

export const DEFAULT_TEST_FILES = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/*_test.*',
  '**/test_*.py',
  '**/tests/**',
  '**/test/**',
  '**/__tests__/**',
];
export const DEFAULT_TEST_FUNC = [
  String.raw`^\s*(?:(?:it|test|describe)(?:\.\w+)?\s*\(`,
  'def test_',
  'async def test_',
  'func Test',
  String.raw`#\[test\]`,
  String.raw`@Test\b)`,
].join('|');

/** A test's first line, as `test_func_pattern` (or the default) says. */
export function testPattern(spec: { test_func_pattern?: string }): RegExp {
  return new RegExp(spec.test_func_pattern ?? DEFAULT_TEST_FUNC, 'gm');
}

export function countTests(text: string | undefined, pattern: RegExp): number {
  return text === undefined ? 0 : (text.match(pattern) ?? []).length;
}

/** The checks of the keys test_diff and test_count_baseline share. */
export function validateTestCounting(spec: ContractInput): string[] {
  const errors = [...expectStringList(spec, 'test_file_pattern'), ...expectString(spec, 'test_func_pattern', false)];
  const max = spec.max_test_deletions;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0)) {
    errors.push(`${spec.type}: 'max_test_deletions' must be an integer of 0 or more`);
  }
  if (typeof spec.test_func_pattern === 'string') {
    try {
      new RegExp(spec.test_func_pattern, 'gm');
    } catch (err) {
      errors.push(`${spec.type}: 'test_func_pattern' is not a regular expression: ${(err as Error).message}`);
    }
  }
  return errors;
}

/** A file's text on one side; git failing fails the contract whatever its on_failure (the original passed). */
async function readSide(changes: ContractChanges, side: 'base' | 'changed', file: string) {
  try {
    return await changes.read(side, file);
  } catch (err) {
    if (!(err instanceof WaveError)) throw err;
    throw new ContractConfigError(`test_diff: could not read ${file} (${side}): ${err.message}`);
  }
}

export const testDiffContract: ContractDefinition<TestDiffSpec> = {
  type: 'test_diff',

  validate: validateTestCounting,

  async check(spec, ctx) {
    const changes = changesOf(ctx, 'test_diff');
    const pattern = testPattern(spec);
    const files = matchingFiles(changes.files, spec.test_file_pattern ?? DEFAULT_TEST_FILES);
    const removed: Array<{ path: string; removed: number }> = [];
    let net = 0;
    for (const f of files) {
      const before = countTests(await readSide(changes, 'base', f.path), pattern);
      const after = countTests(await readSide(changes, 'changed', f.path), pattern);
      net += before - after;
      if (before > after) removed.push({ path: f.path, removed: before - after });
    }
    const total = Math.max(0, net);
    const max = spec.max_test_deletions ?? 0;
    const details = {
      test_files_changed: files.map((f) => f.path),
      removed,
      net_removed: total,
      max_test_deletions: max,
    };
    if (total <= max) return { errors: [], details };
    return {
      errors: removed
        .map((r) => ({ path: r.path, message: `${r.removed} test(s) removed` }))
        .concat({
          path: '',
          message: `${total} test(s) removed in all (net of those added); at most ${max} may be`,
        }),
      details,
    };
  },

  async describe(spec) {
    const max = spec.max_test_deletions ?? 0;
    return max === 0
      ? 'Do not remove or disable existing tests.'
      : `Remove at most ${max} existing test(s); do not disable tests to make them pass.`;
  },
};
