// `wave validate` on worktree steps: steps sharing a tree must be ordered by dependencies (both names in the
// error, at the later one's line), ref must name an upstream worktree step, settings need type: worktree, and a
// writing step's `changes` artifact is known to templates and inject_artifacts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-worktrees-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function problems(steps: string): Promise<string[]> {
  const file = path.join(dir, 'p.yaml');
  writeFileSync(file, `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${steps}`);
  const checked = await checkPipelineFile(file, dir);
  return checked.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`);
}

const step = (id: string, rest: string, script = 'true') =>
  `  - {id: ${id}, type: command, script: '${script}', ${rest}}\n`;

describe('worktree checks', () => {
  it('refuses two steps of one branch that could run at the same time, naming both', async () => {
    const found = await problems(
      step('a', 'workspace: {type: worktree, branch: feat}') + step('b', 'workspace: {type: worktree, branch: feat}'),
    );
    assert.deepEqual(found, ["5: steps 'a' and 'b' share a worktree and could write it at the same time"]);
  });

  it('accepts steps of one branch in dependency order, and separate branches in parallel', async () => {
    const found = await problems(
      step('a', 'workspace: {type: worktree, branch: feat}') +
        step('b', 'dependencies: [a], workspace: {type: worktree, branch: feat}') +
        step('c', 'workspace: {type: worktree, branch: other}') +
        step('d', 'dependencies: [b]', 'cat {{ deps.b.changes }}/changes.patch'),
    );
    assert.deepEqual(found, []);
  });

  it('ref shares the tree of an upstream worktree step; parallel users of it are refused', async () => {
    const found = await problems(
      step('impl', 'workspace: {type: worktree}') +
        step('fix', 'dependencies: [impl], workspace: {ref: impl}') +
        step('doc', 'dependencies: [impl], workspace: {ref: impl}'),
    );
    assert.deepEqual(found, ["6: steps 'fix' and 'doc' share a worktree and could write it at the same time"]);
  });

  it('ref must name an upstream worktree step', async () => {
    const found = await problems(
      step('plain', '') + step('a', 'workspace: {ref: plain}') + step('b', 'workspace: {ref: nope}'),
    );
    assert.deepEqual(found, [
      "5: step 'a': workspace.ref 'plain' is not a worktree step",
      "6: step 'b': workspace.ref names unknown step 'nope'",
    ]);
  });

  it('settings without type: worktree, mounts with it, and base with include_uncommitted are refused', async () => {
    const found = await problems(
      step('a', 'workspace: {branch: x}') +
        step('b', 'workspace: {type: worktree, mount: [{source: ./, target: /wave/src}]}') +
        step('c', 'workspace: {type: worktree, base: main, include_uncommitted: true}') +
        step('d', "workspace: {type: worktree, branch: '{{ deps.a.x }}'}"),
    );
    assert.equal(found.length, 4, found.join('\n'));
    assert.match(found[0] ?? '', /step 'a': workspace.branch needs type: worktree/);
    assert.match(found[1] ?? '', /step 'b': workspace.mount cannot be combined with a worktree/);
    assert.match(found[2] ?? '', /step 'c': workspace.include_uncommitted starts from HEAD/);
    assert.match(found[3] ?? '', /step 'd': workspace.branch cannot use \{\{ deps.a.x \}\}/);
  });

  it('a branch may name the run by any of its names, and they are one tree', async () => {
    const names = ['{{ run.id }}', '{{ run.name }}', 'x-{{pipeline_id}}', 'x-{{ run.name }}', 'w-{{ pipeline_name }}'];
    const steps = names.map((b, i) => step(`s${i}`, `workspace: {type: worktree, branch: '${b}'}`));
    const found = await problems(steps.join(''));
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0] ?? '', /'s0' and 's1'/);
    assert.match(found[1] ?? '', /'s2' and 's3'/);
  });

  it('a step that does not write code has no changes artifact', async () => {
    const found = await problems(step('a', '') + step('b', 'dependencies: [a]', 'cat {{ deps.a.changes }}'));
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /step 'a' declares no artifact 'changes'/);
  });
});

describe('contracts on changes', () => {
  it('source_diff, test_diff and test_count_baseline need a step that changes code', async () => {
    const found = await problems(
      step('a', 'handover: {contracts: [{type: source_diff, glob: "src/**"}]}') +
        step('b', 'workspace: {type: worktree}, handover: {contracts: [{type: test_diff, max_test_deletions: 0}]}') +
        step('c', 'handover: {contracts: [{type: test_count_baseline, base_ref: main}]}') +
        step('d', 'workspace: {type: worktree}, handover: {contracts: [{type: test_count_baseline}]}'),
    );
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0] ?? '', /step 'a': a source_diff contract checks a change, and this step changes no code/);
    assert.match(found[1] ?? '', /step 'c': a test_count_baseline contract checks a change/);
  });
});
