// Fixture datasets for the bench integration test, made on the fly: a small git repository with its checks, a
// SWE-bench-like JSONL file and a folder of Harbor tasks. The pipeline is a command step that runs the task's
// instruction as a shell script in its private tree, so each task's outcome is chosen by its instruction.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writePipeline } from '../../support/command-project.js';
import { TEST_IMAGE } from '../../support/docker.js';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** The instruction's script runs in /wave/src; summary.md is what the step's contract asks for. */
export function writeBenchPipeline(project: string): void {
  writePipeline(
    project,
    'bench-cmd',
    `  - id: implement
    workspace: {type: worktree}
    exec: {type: command, script: 'sh -ec "$WAVE_INPUT"'}
    output_artifacts: [{name: summary, path: summary.md}]
    handover:
      contract: {type: non_empty_file, source: summary.md}
    retry: {max_attempts: 1}
`,
  );
}

const OK = 'echo done > /wave/out/summary.md';

/** What each task is designed to end as: `outcome` or `error (class)`. */
export type Expected = Record<string, string>;

export function writeJsonlDataset(root: string): { file: string; expected: Expected } {
  const repo = path.join(root, 'repo');
  write(path.join(repo, 'value.txt'), '1\n');
  write(path.join(repo, 'keep.txt'), 'keep\n');
  write(
    path.join(repo, 'check.sh'),
    'case "$1" in\n  add) [ "$(cat value.txt)" = 2 ];;\n  keep) [ -f keep.txt ];;\n  extra) [ -f extra.txt ];;\n' +
      '  *) exit 9;;\nesac\n',
  );
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' }).toString().trim();
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
  const commit = git('rev-parse', 'HEAD');
  write(path.join(root, 'env', 'Dockerfile'), `FROM ${TEST_IMAGE}\n`);
  write(path.join(root, 'env-broken', 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN exit 3\n`);
  const extraPatch =
    'diff --git a/extra.txt b/extra.txt\nnew file mode 100644\n--- /dev/null\n+++ b/extra.txt\n@@ -0,0 +1 @@\n+x\n';
  const base = {
    repo: 'repo',
    base_commit: commit,
    test_cmd: 'sh check.sh "$1"',
    environment: 'env',
    FAIL_TO_PASS: '["add"]',
    PASS_TO_PASS: '["keep"]',
  };
  const fix = `echo 2 > value.txt; ${OK}`;
  const tasks: Array<[string, Record<string, unknown>, string]> = [
    ['j01', { problem_statement: fix }, 'resolved'],
    ['j02', { problem_statement: fix }, 'resolved'],
    ['j03', { problem_statement: fix }, 'resolved'],
    ['j04', { problem_statement: fix }, 'resolved'],
    ['j05', { problem_statement: fix, FAIL_TO_PASS: ['add', 'extra'], test_patch: extraPatch }, 'resolved'],
    ['j06', { problem_statement: `echo 3 > value.txt; ${OK}` }, 'unresolved'],
    ['j07', { problem_statement: `echo 2 > value.txt; rm keep.txt; ${OK}` }, 'unresolved'],
    ['j08', { problem_statement: 'exit 1' }, 'unresolved'],
    ['j09', { problem_statement: 'echo 2 > value.txt' }, 'error (contract)'],
    ['j10', { problem_statement: fix, environment: 'env-broken' }, 'error (image_build)'],
    ['j11', { problem_statement: fix, test_cmd: 'sleep 60', timeout_sec: 3 }, 'error (timeout)'],
  ];
  const lines = tasks.map(([id, fields]) => JSON.stringify({ instance_id: id, ...base, ...fields }));
  // Designed to be skipped, each reported on its line: not JSON, and a task without a statement.
  lines.splice(3, 0, '{"instance_id": "bad-json",');
  lines.push(JSON.stringify({ instance_id: 'j-no-statement', ...base }));
  const file = path.join(root, 'tasks.jsonl');
  write(file, `${lines.join('\n')}\n`);
  return { file, expected: Object.fromEntries(tasks.map(([id, , e]) => [id, e])) };
}

export function writeHarborDataset(root: string): { dir: string; expected: Expected } {
  const dir = path.join(root, 'harbor');
  const rewardTest =
    'if [ "$(cat /wave/src/answer.txt 2>/dev/null)" = 42 ]; then echo 1 > /logs/verifier/reward.txt; ' +
    'else echo 0 > /logs/verifier/reward.txt; fi\n';
  const task = (id: string, instruction: string, over: { toml?: string; docker?: string; test?: string } = {}) => {
    write(path.join(dir, id, 'instruction.md'), instruction);
    write(path.join(dir, id, 'task.toml'), over.toml ?? 'version = "1.0"\n[verifier]\ntimeout_sec = 60.0\n');
    write(path.join(dir, id, 'environment', 'Dockerfile'), over.docker ?? `FROM ${TEST_IMAGE}\n`);
    write(path.join(dir, id, 'environment', 'start.txt'), 'start\n');
    write(path.join(dir, id, 'tests', 'test.sh'), over.test ?? rewardTest);
  };
  const answer = `echo 42 > answer.txt; ${OK}`;
  const expected: Expected = {};
  for (const id of ['h01', 'h02', 'h03', 'h04', 'h05']) {
    task(id, answer);
    expected[id] = 'resolved';
  }
  task('h06', `echo 41 > answer.txt; ${OK}`);
  expected.h06 = 'unresolved';
  task('h07', answer, { test: 'echo 0.5 > /logs/verifier/reward.txt\n' });
  expected.h07 = 'unresolved';
  task('h08', answer, { test: 'test -f answer.txt && grep -q start start.txt\n' });
  expected.h08 = 'resolved';
  task('h09', `${OK}`, { test: 'test -f answer.txt\n' });
  expected.h09 = 'unresolved';
  task('h10', answer, { docker: `FROM ${TEST_IMAGE}\nRUN false\n` });
  expected.h10 = 'error (image_build)';
  task('h11', `sleep 60; ${OK}`, { toml: '[agent]\ntimeout_sec = 3\n' });
  expected.h11 = 'error (timeout)';
  // Designed to be skipped: no instruction.
  mkdirSync(path.join(dir, 'h-incomplete', 'tests'), { recursive: true });
  writeFileSync(path.join(dir, 'h-incomplete', 'task.toml'), '');
  return { dir, expected };
}
