// test_count_baseline: the tree the step left holds no fewer tests than a baseline commit, less
// `max_test_deletions` (default 0). Where test_diff compares each changed test file, this counts whole committed
// trees, so tests moved between files are not deletions and tests lost anywhere are. The baseline is `base_ref` (a
// commit of the user's repository; `HEAD` is the commit the run started from) or the base of the step's change.
// Both trees are read by Wave's own git, never the tree's metadata; when git fails the contract fails, where the
// original passed.
import { WaveError } from '../errors.js';
import { ContractConfigError } from './failure.js';
import { matchesAny } from './glob.js';
import { changesOf } from './source-diff.js';
import { expectString } from './spec-checks.js';
import { countTests, DEFAULT_TEST_FILES, testPattern, validateTestCounting } from './test-diff.js';
import type { ContractChanges, ContractDefinition, TestCountBaselineSpec, TreeSide } from './types.js';

interface TreeCount {
  commit: string;
  total: number;
  /** Tests per test file (files without any are left out). */
  perFile: Map<string, number>;
}

async function countTree(changes: ContractChanges, at: TreeSide, spec: TestCountBaselineSpec): Promise<TreeCount> {
  const globs = spec.test_file_pattern ?? DEFAULT_TEST_FILES;
  const pattern = testPattern(spec);
  let tree;
  try {
    tree = await changes.readTree(at, (p) => matchesAny(p, globs));
  } catch (err) {
    if (!(err instanceof WaveError)) throw err;
    const which = typeof at === 'string' ? `the ${at} tree` : `base_ref '${at.ref}'`;
    throw new ContractConfigError(`test_count_baseline: could not read ${which}: ${err.message}`);
  }
  const perFile = new Map<string, number>();
  for (const [file, text] of tree.files) {
    const n = countTests(text, pattern);
    if (n > 0) perFile.set(file, n);
  }
  return { commit: tree.commit, total: [...perFile.values()].reduce((a, b) => a + b, 0), perFile };
}

/** The files that hold fewer tests after than before, for the message (most lost first). */
function losses(before: TreeCount, after: TreeCount): Array<{ path: string; removed: number }> {
  return [...before.perFile]
    .map(([path, n]) => ({ path, removed: n - (after.perFile.get(path) ?? 0) }))
    .filter((l) => l.removed > 0)
    .sort((a, b) => b.removed - a.removed || a.path.localeCompare(b.path));
}

export const testCountBaselineContract: ContractDefinition<TestCountBaselineSpec> = {
  type: 'test_count_baseline',

  validate(spec) {
    return [...validateTestCounting(spec), ...expectString(spec, 'base_ref', false)];
  },

  async check(spec, ctx) {
    const changes = changesOf(ctx, 'test_count_baseline');
    const baseline = await countTree(changes, spec.base_ref === undefined ? 'base' : { ref: spec.base_ref }, spec);
    const after = await countTree(changes, 'changed', spec);
    const max = spec.max_test_deletions ?? 0;
    const net = baseline.total - after.total;
    const details = {
      base_ref: spec.base_ref ?? null,
      baseline_commit: baseline.commit,
      baseline_tests: baseline.total,
      tests: after.total,
      net_deletions: Math.max(net, 0),
      max_test_deletions: max,
    };
    if (net <= max) return { errors: [], details };
    const against = spec.base_ref === undefined ? 'the base' : `${spec.base_ref} (${baseline.commit.slice(0, 12)})`;
    const counts = `the tree holds ${after.total} test(s), ${against} ${baseline.total}`;
    const message = `${counts}: ${net} fewer; at most ${max} may be`;
    const perFile = losses(baseline, after).map((l) => ({ path: l.path, message: `${l.removed} fewer test(s)` }));
    return { errors: [{ path: '', message }, ...perFile], details };
  },

  async describe(spec) {
    const max = spec.max_test_deletions ?? 0;
    const against = spec.base_ref === undefined ? 'before your change' : `at ${spec.base_ref}`;
    return max === 0
      ? `The project must hold at least as many tests as ${against}: replace a test you remove.`
      : `The project may hold at most ${max} fewer test(s) than ${against}.`;
  },
};
