import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readDataset, selectTasks } from '../../../src/bench/dataset.js';
import { readHarborDataset } from '../../../src/bench/harbor.js';
import { readJsonlDataset } from '../../../src/bench/jsonl.js';

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const COMMIT = 'a'.repeat(40);

function swe(fields: Record<string, unknown>): string {
  return JSON.stringify({
    instance_id: 'demo__demo-1',
    repo: 'repo',
    base_commit: COMMIT,
    problem_statement: 'fix it',
    test_cmd: 'sh test.sh "$1"',
    environment: 'env',
    FAIL_TO_PASS: '["t1"]',
    PASS_TO_PASS: ['t2', 't3'],
    ...fields,
  });
}

function jsonlProject(lines: string[]): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'repo'));
  write(path.join(dir, 'env', 'Dockerfile'), 'FROM wave/base\n');
  write(path.join(dir, 'tasks.jsonl'), lines.join('\n') + '\n');
  return path.join(dir, 'tasks.jsonl');
}

describe('JSONL dataset', () => {
  it('reads SWE-bench fields: test lists as JSON strings or arrays, paths relative to the file', async () => {
    const file = jsonlProject([swe({ test_patch: 'diff', allow_internet: true, timeout_sec: 5 })]);
    const { tasks, problems } = await readJsonlDataset(file);
    assert.deepEqual(problems, []);
    const [task] = tasks;
    assert.equal(task?.id, 'demo__demo-1');
    assert.equal(task?.where, `${file}:1`);
    assert.deepEqual(task?.source, { kind: 'git', repo: path.join(path.dirname(file), 'repo'), commit: COMMIT });
    assert.deepEqual(task?.environment, { kind: 'dockerfile', dir: path.join(path.dirname(file), 'env') });
    assert.deepEqual(task?.judge, {
      kind: 'tests',
      testCmd: 'sh test.sh "$1"',
      failToPass: ['t1'],
      passToPass: ['t2', 't3'],
      testPatch: 'diff',
    });
    assert.equal(task?.allowInternet, true);
    assert.equal(task?.evalTimeoutMs, 5000);
  });

  it('keeps git URLs as they are and takes an image instead of an environment folder', async () => {
    const file = jsonlProject([
      swe({ repo: 'https://git.example.test/demo.git', environment: undefined, image: 'wave/base:latest' }),
    ]);
    const [task] = (await readJsonlDataset(file)).tasks;
    assert.deepEqual(task?.source, { kind: 'git', repo: 'https://git.example.test/demo.git', commit: COMMIT });
    assert.deepEqual(task?.environment, { kind: 'image', ref: 'wave/base:latest' });
  });

  it('reports each bad line once, with its file:line, and keeps the good ones', async () => {
    const file = jsonlProject([
      swe({ instance_id: 'ok-1' }),
      '{not json',
      swe({ instance_id: 'no-statement', problem_statement: '' }),
      swe({ instance_id: 'bad commit', base_commit: 'zzz' }),
      swe({ instance_id: 'no-repo', repo: 'missing/folder' }),
      swe({ instance_id: 'bad-list', FAIL_TO_PASS: '[1,' }),
      swe({ instance_id: 'no-env', environment: undefined }),
      '',
      swe({ instance_id: 'ok-1' }),
      swe({ instance_id: 'no-cmd', test_cmd: undefined }),
      '[1]',
    ]);
    const { tasks, problems } = await readJsonlDataset(file);
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['ok-1'],
    );
    const byLine = problems.map((p) => `${path.basename(p.where)} ${p.message.split(/[:(]/)[0]?.trim()}`);
    assert.deepEqual(byLine, [
      'tasks.jsonl:2 not valid JSON',
      'tasks.jsonl:3 problem_statement',
      'tasks.jsonl:4 instance_id',
      'tasks.jsonl:5 repo',
      'tasks.jsonl:6 FAIL_TO_PASS',
      'tasks.jsonl:7 environment',
      'tasks.jsonl:9 instance_id',
      'tasks.jsonl:10 test_cmd',
      'tasks.jsonl:11 expected a JSON object',
    ]);
    for (const p of problems) assert.ok(!p.message.includes('\n'), `one line: ${p.message}`);
  });
});

function harborTask(root: string, id: string, parts: Partial<Record<string, string | null>> = {}): string {
  const dir = path.join(root, id);
  const files: Record<string, string | null> = {
    'task.toml':
      '[verifier]\ntimeout_sec = 30.0\n[agent]\ntimeout_sec = 60\n[environment]\nmemory_mb = 512\ncpus = 1\n',
    'instruction.md': 'Write hello to out.txt\n',
    'environment/Dockerfile': 'FROM wave/base\n',
    'environment/app.txt': 'start\n',
    'tests/test.sh': 'test -f out.txt\n',
    ...parts,
  };
  for (const [rel, text] of Object.entries(files)) if (text !== null) write(path.join(dir, rel), text);
  return dir;
}

describe('Harbor dataset', () => {
  it('reads a task folder: instruction, limits from task.toml, environment and tests', async () => {
    const root = tempDir();
    const dir = harborTask(root, 'hello');
    const { tasks, problems } = await readHarborDataset(root);
    assert.deepEqual(problems, []);
    const [task] = tasks;
    assert.equal(task?.id, 'hello');
    assert.equal(task?.instruction, 'Write hello to out.txt\n');
    assert.deepEqual(task?.source, { kind: 'folder', dir: path.join(dir, 'environment'), exclude: ['Dockerfile'] });
    assert.deepEqual(task?.judge, { kind: 'script', testsDir: path.join(dir, 'tests') });
    assert.equal(task?.evalTimeoutMs, 30_000);
    assert.equal(task?.agentTimeoutMs, 60_000);
    assert.equal(task?.memoryBytes, 512 * 1024 * 1024);
    assert.equal(task?.allowInternet, false);
  });

  it('reads one task folder given directly, and allow_internet', async () => {
    const root = tempDir();
    const dir = harborTask(root, 'net', { 'task.toml': '[environment]\nallow_internet = true\n' });
    const [task] = (await readHarborDataset(dir)).tasks;
    assert.equal(task?.allowInternet, true);
  });

  it('reports each incomplete or bad task on one line (folder, or task.toml:line) and keeps the rest', async () => {
    const root = tempDir();
    harborTask(root, 'good');
    harborTask(root, 'bad-toml', { 'task.toml': '[verifier]\ntimeout_sec = \n' });
    harborTask(root, 'bad-value', { 'task.toml': '[verifier]\ntimeout_sec = "soon"\n' });
    harborTask(root, 'no-instruction', { 'instruction.md': null });
    harborTask(root, 'no-dockerfile', { 'environment/Dockerfile': null });
    harborTask(root, 'no-tests', { 'tests/test.sh': null });
    harborTask(root, 'no-toml', { 'task.toml': null });
    harborTask(root, 'bad name', {});
    const { tasks, problems } = await readHarborDataset(root);
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['good'],
    );
    const rel = problems.map((p) => `${path.relative(root, p.where)}: ${p.message}`);
    assert.deepEqual(rel, [
      "bad name: task folder name: expected an id of letters, digits, '.', '_' or '-' (got \"bad name\")",
      'bad-toml/task.toml:2: invalid TOML: invalid value',
      'bad-value/task.toml: [verifier] timeout_sec: expected a positive number of seconds (got "soon")',
      'no-dockerfile: environment/Dockerfile: missing',
      'no-instruction: instruction.md: missing or empty',
      'no-tests: tests/test.sh: missing',
      'no-toml: not a task: no task.toml',
    ]);
  });
});

describe('dataset selection', () => {
  it('detects the format, then filters by id globs, offset and limit in order', async () => {
    const root = tempDir();
    for (const id of ['a-1', 'a-2', 'a-3', 'b-1']) harborTask(root, id);
    const dataset = await readDataset(root);
    assert.equal(dataset.format, 'harbor');
    const ids = (s: Parameters<typeof selectTasks>[1]) => selectTasks(dataset.tasks, s).map((t) => t.id);
    assert.deepEqual(ids({ filter: 'a-*' }), ['a-1', 'a-2', 'a-3']);
    assert.deepEqual(ids({ filter: 'a-*', offset: 1, limit: 1 }), ['a-2']);
    assert.deepEqual(ids({ filter: 'b-*,a-3' }), ['a-3', 'b-1']);
    assert.deepEqual(ids({ limit: 2 }), ['a-1', 'a-2']);
  });

  it('refuses a dataset path that does not exist, naming the flag', async () => {
    await assert.rejects(readDataset('/nonexistent/tasks.jsonl'), /--dataset \/nonexistent\/tasks.jsonl: no such file/);
  });
});
