// source_diff and test_diff on a step's change (given as the engine gives it): a pass, a failure naming what is
// wrong, and a step without a change as a configuration error rather than a pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runContracts, type ContractChanges } from '../../../src/contracts/index.js';
import { globToRegExp } from '../../../src/contracts/glob.js';
import { WaveError } from '../../../src/errors.js';

function changes(files: Record<string, [string | undefined, string | undefined]>): ContractChanges {
  return {
    files: Object.entries(files).map(([path, [before, after]]) => ({
      path,
      status: before === undefined ? 'added' : after === undefined ? 'deleted' : 'modified',
    })),
    read: async (side, path) => files[path]?.[side === 'base' ? 0 : 1],
    readTree: async () => assert.fail('source_diff and test_diff read the changed files only'),
  };
}

const ctx = (c?: ContractChanges) => ({
  outDir: '/nonexistent',
  outputs: [],
  resolvePath: (p: string) => p,
  ...(c ? { changes: c } : {}),
});

describe('source_diff', () => {
  const change = changes({ 'src/a.ts': ['a', 'b'], 'src/a.test.ts': ['t', 'u'], 'README.md': ['r', 's'] });

  it('passes when enough changed files match glob and not exclude', async () => {
    const run = await runContracts([{ type: 'source_diff', glob: 'src/**', exclude: ['**/*.test.ts'] }], ctx(change));
    assert.equal(run.passed, true);
    assert.deepEqual(run.results[0]?.details.matched, ['src/a.ts']);
  });

  it('fails when fewer than min_files match, saying how many did', async () => {
    const run = await runContracts(
      [{ type: 'source_diff', glob: 'src/**/*.ts', exclude: ['**/*.test.ts'], min_files: 2 }],
      ctx(change),
    );
    assert.equal(run.passed, false);
    assert.match(run.results[0]?.errors[0]?.message ?? '', /1 changed file\(s\) match src\/\*\*\/\*\.ts .*at least 2/);
  });

  it('is an error, not a pass, on a step without a change', async () => {
    const run = await runContracts([{ type: 'source_diff' }], ctx());
    assert.equal(run.passed, false);
    assert.match(run.results[0]?.errors[0]?.message ?? '', /checks a change/);
  });
});

describe('test_diff', () => {
  it('counts tests removed net across the test files, naming the files that lost some', async () => {
    const c = changes({
      'src/a.test.ts': ["it('x', f)\nit('y', f)\n", "it('y', f)\nit('x', f)\n"],
      'tests/test_b.py': ['def test_one():\n  pass\ndef test_two():\n  pass\n', 'def test_one():\n  pass\n'],
      'src/gone.spec.ts': ["describe('d', () => {\n  test('t', f)\n})\n", undefined],
      'src/a.ts': ["it('not a test file')\n", ''],
    });
    const run = await runContracts([{ type: 'test_diff' }], ctx(c));
    assert.equal(run.passed, false);
    assert.deepEqual(
      run.results[0]?.errors.map((e) => `${e.path}: ${e.message}`),
      [
        'tests/test_b.py: 1 test(s) removed',
        'src/gone.spec.ts: 2 test(s) removed',
        ': 3 test(s) removed in all (net of those added); at most 0 may be',
      ],
    );
    const allowed = await runContracts([{ type: 'test_diff', max_test_deletions: 3 }], ctx(c));
    assert.equal(allowed.passed, true);
  });

  it('a test moved from one file to another is not a deletion (the original counts net)', async () => {
    const c = changes({
      'src/a.test.ts': ["it('x', f)\nit('y', f)\n", "it('x', f)\n"],
      'src/b.test.ts': [undefined, "it('y', f)\n"],
    });
    const run = await runContracts([{ type: 'test_diff' }], ctx(c));
    assert.equal(run.passed, true, JSON.stringify(run.results[0]?.errors));
    assert.equal(run.results[0]?.details.net_removed, 0);
  });

  it('git failing is a hard failure, even under on_failure: warn, never a pass', async () => {
    const broken: ContractChanges = {
      files: [{ path: 'a.test.ts', status: 'modified' }],
      read: async () => {
        throw new WaveError('git_failed', 'git cat-file failed: bad object');
      },
      readTree: async () => assert.fail('not read'),
    };
    const run = await runContracts([{ type: 'test_diff', on_failure: 'warn' }], ctx(broken));
    assert.equal(run.results[0]?.outcome, 'failed');
    assert.match(run.results[0]?.errors[0]?.message ?? '', /could not read a.test.ts \(base\): git cat-file failed/);
  });

  it('refuses a test_func_pattern that is not a regular expression', async () => {
    const run = await runContracts([{ type: 'test_diff', test_func_pattern: '(' }], ctx(changes({})));
    assert.match(run.results[0]?.errors[0]?.message ?? '', /not a regular expression/);
  });
});

describe('globs', () => {
  it('reads ** across folders, * within one, braces and classes', () => {
    const yes: Array<[string, string]> = [
      ['**/*.ts', 'a.ts'],
      ['**/*.ts', 'x/y/a.ts'],
      ['src/**', 'src/a/b'],
      ['*.{js,ts}', 'a.js'],
      ['[ab].md', 'b.md'],
      ['**/.github/**', '.github/workflows/x.yml'],
    ];
    for (const [g, p] of yes) assert.ok(globToRegExp(g).test(p), `${g} matches ${p}`);
    const no: Array<[string, string]> = [
      ['*.ts', 'x/a.ts'],
      ['src/*', 'src/a/b'],
      ['a.ts', 'aXts'],
    ];
    for (const [g, p] of no) assert.ok(!globToRegExp(g).test(p), `${g} does not match ${p}`);
  });
});
