// test_count_baseline on whole trees given as the engine gives them: a table of trees before and after, the
// verdict and the message; git failing or a base_ref naming nothing is a hard error, never a pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContractConfigError,
  runContracts,
  type ContractChanges,
  type ContractInput,
  type TreeSide,
} from '../../../src/contracts/index.js';
import { WaveError } from '../../../src/errors.js';

type Tree = Record<string, string>;

/** A change whose trees are `trees.base`, `trees.changed` and `trees['ref:<name>']`; `fail` throws for a side. */
function changes(trees: Record<string, Tree>, fail?: (at: TreeSide) => Error | undefined): ContractChanges {
  const key = (at: TreeSide) => (typeof at === 'string' ? at : `ref:${at.ref}`);
  return {
    files: [],
    read: async () => undefined,
    readTree: async (at, wanted) => {
      const error = fail?.(at);
      if (error) throw error;
      const tree = trees[key(at)];
      if (!tree) throw new ContractConfigError(`base_ref '${typeof at === 'string' ? at : at.ref}' is not a commit`);
      const files = new Map(Object.entries(tree).filter(([p]) => wanted(p)));
      return { commit: `${key(at)}-commit`.padEnd(40, '0'), files };
    },
  };
}

const ctx = (c?: ContractChanges) => ({
  outDir: '/nonexistent',
  outputs: [],
  resolvePath: (p: string) => p,
  ...(c ? { changes: c } : {}),
});

const TWO_TS = "it('a', f)\nit('b', f)\n";
const ONE_TS = "it('a', f)\n";
const TWO_PY = 'def test_a():\n  pass\ndef test_b():\n  pass\n';

interface Case {
  name: string;
  spec?: Partial<ContractInput>;
  trees: Record<string, Tree>;
  passed: boolean;
  errors?: string[];
  counts?: [baseline: number, after: number];
}

const cases: Case[] = [
  {
    name: 'the same tests: passes',
    trees: { base: { 'a.test.ts': TWO_TS }, changed: { 'a.test.ts': TWO_TS, 'a.ts': 'x' } },
    passed: true,
    counts: [2, 2],
  },
  {
    name: 'tests moved to another file are not deletions (test_diff would count one)',
    trees: { base: { 'a.test.ts': TWO_TS }, changed: { 'a.test.ts': ONE_TS, 'b.test.ts': "test('b', f)\n" } },
    passed: true,
    counts: [2, 2],
  },
  {
    name: 'one test fewer anywhere fails, naming the file that lost it',
    trees: {
      base: { 'a.test.ts': TWO_TS, 'tests/test_x.py': TWO_PY },
      changed: { 'a.test.ts': TWO_TS, 'tests/test_x.py': 'def test_a():\n  pass\n' },
    },
    passed: false,
    errors: [': the tree holds 3 test(s), the base 4: 1 fewer; at most 0 may be', 'tests/test_x.py: 1 fewer test(s)'],
    counts: [4, 3],
  },
  {
    name: 'a deleted test file loses all of its tests',
    trees: { base: { 'a.test.ts': TWO_TS, 'src/gone.spec.ts': ONE_TS }, changed: { 'a.test.ts': TWO_TS } },
    passed: false,
    counts: [3, 2],
  },
  {
    name: 'max_test_deletions allows that many fewer',
    spec: { max_test_deletions: 1 },
    trees: { base: { 'a.test.ts': TWO_TS }, changed: { 'a.test.ts': ONE_TS } },
    passed: true,
    counts: [2, 1],
  },
  {
    name: 'base_ref counts against that commit instead of the base',
    spec: { base_ref: 'HEAD~1' },
    trees: {
      base: { 'a.test.ts': ONE_TS },
      'ref:HEAD~1': { 'a.test.ts': TWO_TS },
      changed: { 'a.test.ts': ONE_TS },
    },
    passed: false,
    errors: [
      ': the tree holds 1 test(s), HEAD~1 (ref:HEAD~1-c) 2: 1 fewer; at most 0 may be',
      'a.test.ts: 1 fewer test(s)',
    ],
  },
  {
    name: 'test_file_pattern and test_func_pattern choose what counts',
    spec: { test_file_pattern: ['checks/*.sh'], test_func_pattern: '^check_' },
    trees: {
      base: { 'checks/a.sh': 'check_one\ncheck_two\n', 'a.test.ts': TWO_TS },
      changed: { 'checks/a.sh': 'check_one\ncheck_two\ncheck_three\n' },
    },
    passed: true,
    counts: [2, 3],
  },
  {
    name: 'a base_ref that names no commit is an error',
    spec: { base_ref: 'nope' },
    trees: { base: {}, changed: {} },
    passed: false,
    errors: [": base_ref 'nope' is not a commit"],
  },
];

describe('test_count_baseline', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const run = await runContracts([{ type: 'test_count_baseline', ...c.spec }], ctx(changes(c.trees)));
      const result = run.results[0];
      assert.equal(run.passed, c.passed, JSON.stringify(result));
      if (c.errors)
        assert.deepEqual(
          result?.errors.map((e) => `${e.path}: ${e.message}`),
          c.errors,
        );
      if (c.counts) assert.deepEqual([result?.details.baseline_tests, result?.details.tests], c.counts);
    });
  }

  it('git failing is a hard failure naming the tree, even under on_failure: warn', async () => {
    const broken = changes({ base: {}, changed: {} }, (at) =>
      at === 'changed' ? new WaveError('git_failed', 'git ls-tree failed: bad object') : undefined,
    );
    const run = await runContracts([{ type: 'test_count_baseline', on_failure: 'warn' }], ctx(broken));
    assert.equal(run.passed, false);
    assert.equal(run.results[0]?.outcome, 'failed');
    assert.match(run.results[0]?.errors[0]?.message ?? '', /could not read the changed tree: git ls-tree failed/);
  });

  it('is an error, not a pass, on a step without a change', async () => {
    const run = await runContracts([{ type: 'test_count_baseline' }], ctx());
    assert.equal(run.passed, false);
    assert.match(run.results[0]?.errors[0]?.message ?? '', /checks a change/);
  });

  it('refuses bad settings, each named', async () => {
    const table: Array<[Partial<ContractInput>, RegExp]> = [
      [{ base_ref: '' }, /'base_ref' must be a non-empty string/],
      [{ max_test_deletions: -1 }, /'max_test_deletions' must be an integer of 0 or more/],
      [{ test_func_pattern: '(' }, /'test_func_pattern' is not a regular expression/],
      [{ test_file_pattern: 'x' }, /'test_file_pattern' must be a list of strings/],
      [{ glob: '**' }, /'glob' is only used by source_diff/],
    ];
    for (const [spec, message] of table) {
      const run = await runContracts([{ type: 'test_count_baseline', ...spec }], ctx(changes({})));
      assert.match(run.results[0]?.errors[0]?.message ?? '', message, JSON.stringify(spec));
    }
  });
});
