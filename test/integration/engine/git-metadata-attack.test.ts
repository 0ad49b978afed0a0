// The host never trusts a tree's git metadata, proven from inside a real container: a worktree step makes its
// tree a repository whose .git/hooks, .git/config (core.hooksPath, fsmonitor, filter, diff and merge drivers)
// would each run a command, adds .gitattributes lines naming those drivers, a .gitmodules with a command URL, a
// nested repository, a `.GIT` folder and a link to a host file. Then Wave records the change, `wave diff` prints
// it and `wave apply` refuses it. Each command would create a file in a host folder: none may appear, the user's
// repository must be byte for byte as it was, and the host file's content must not be in the change. The change
// contracts (test_diff, test_count_baseline) read every file of that tree through Wave's git and run nothing either.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runIdOf, writePipeline } from '../../support/command-project.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createGitProject, fingerprint } from '../../support/git-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

const HOOKS = ['pre-commit', 'post-commit', 'post-checkout', 'reference-transaction', 'post-index-change', 'pre-push'];

/** The step's script: every place git could take a command from, each command touching `<markers>/<name>`. */
function attackScript(markers: string, secret: string): string {
  const touch = (name: string) => `touch ${markers}/${name}`;
  const hooks = HOOKS.map((h) => `printf '#!/bin/sh\\n${touch(`hook-${h}`)}\\n' > "$d/${h}"; chmod +x "$d/${h}"`);
  return [
    'set -e',
    'cd /wave/src',
    'git init -q .',
    'for d in .git/hooks evilhooks; do mkdir -p "$d"',
    ...hooks,
    'done',
    "cat >> .git/config <<'EOF'",
    '[core]',
    '  hooksPath = evilhooks',
    `  fsmonitor = ${touch('fsmonitor')}`,
    `  pager = ${touch('pager')}`,
    '[filter "evil"]',
    `  clean = ${touch('filter-clean')}`,
    `  smudge = ${touch('filter-smudge')}`,
    `  process = ${touch('filter-process')}`,
    '  required = true',
    '[diff "evil"]',
    `  command = ${touch('diff-command')}`,
    `  textconv = ${touch('diff-textconv')}`,
    '[merge "evil"]',
    `  driver = ${touch('merge-driver')}`,
    'EOF',
    "printf '* filter=evil diff=evil merge=evil\\n' > .gitattributes",
    `printf '[submodule "x"]\\n\\tpath = sub\\n\\turl = ext::sh -c ${touch('submodule-url')}\\n' > .gitmodules`,
    `printf '\\tupdate = !${touch('submodule-update')}\\n' >> .gitmodules`,
    'mkdir -p sub nested && printf "gitdir: /etc\\n" > sub/.git',
    `git init -q nested && git -C nested config core.fsmonitor "${touch('nested-fsmonitor')}"`,
    'echo inside > nested/file',
    'mkdir -p .GIT && echo x > .GIT/config',
    'echo changed > a.txt',
    `ln -s ${secret} leak`,
    'git add -A 2>/dev/null || true',
  ].join('\n');
}

describe('git metadata a step writes is never trusted on the host', { skip }, () => {
  let dir: string;
  let markers: string;
  let secret: string;
  before(() => {
    dir = createGitProject('wave-git-attack-', { 'a.txt': 'one\n' });
    markers = mkdtempSync(path.join(tmpdir(), 'wave-git-markers-'));
    secret = path.join(markers, 'host-secret.txt');
    writeFileSync(secret, 'HOST-SECRET-CONTENT\n');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(markers, { recursive: true, force: true });
  });

  test('hooks, config, attributes, submodules and links written in the tree run nothing and leak nothing', () => {
    const before = fingerprint(dir);
    writePipeline(
      dir,
      'attack',
      `  - id: attack
    workspace: {type: worktree}
    # Contracts that read every file of the tree the step left (whose .gitattributes name the evil filter).
    handover:
      contracts:
        - {type: test_diff, test_file_pattern: ["**"]}
        - {type: test_count_baseline, test_file_pattern: ["**"], base_ref: HEAD}
    exec:
      type: command
      script: |
${attackScript(markers, secret)
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`,
    );
    const res = runWave(['run', 'attack', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const checked = res.stdout
      .split('\n')
      .filter((l) => l.includes('"contract_result"'))
      .map((l) => JSON.parse(l) as { contractType: string; ok: boolean });
    assert.deepEqual(
      checked.map((c) => [c.contractType, c.ok]),
      [
        ['test_diff', true],
        ['test_count_baseline', true],
      ],
    );

    const diff = runWave(['diff', runId], dir);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /^\+changed$/m);
    assert.match(diff.stdout, /^\+\* filter=evil diff=evil merge=evil$/m, 'the attributes are data in the patch');
    assert.doesNotMatch(diff.stdout, /HOST-SECRET-CONTENT/, 'a link is recorded as its target, not as the file');
    assert.doesNotMatch(diff.stdout, /^diff --git a\/\.git\//im, 'no .git path is part of the change');

    const stat = runWave(['diff', runId, '-o', 'json'], dir);
    const [summary] = JSON.parse(stat.stdout) as Array<{ files: Array<{ path: string }>; skipped: string[] }>;
    const paths = (summary?.files ?? []).map((f) => f.path);
    assert.ok(paths.includes('.gitmodules') && paths.includes('evilhooks/pre-commit') && paths.includes('leak'));
    assert.ok(!paths.some((p) => /(^|\/)\.git(\/|$)/i.test(p)), paths.join(', '));
    assert.ok(!paths.some((p) => p.startsWith('nested/')), 'a nested repository is not part of the change');

    const apply = runWave(['apply', runId, '--force'], dir);
    assert.equal(apply.status, 7, apply.stderr);
    assert.match(apply.stderr, /leak: a symbolic link to .*host-secret\.txt, outside the repository/);

    const refused = runWave(['apply', runId], dir);
    assert.equal(refused.status, 7);
    assert.match(refused.stderr, /\.gitmodules: the submodule definitions/);

    const made = readdirSync(markers).filter((f) => f !== 'host-secret.txt');
    assert.deepEqual(made, [], `commands ran on the host: ${made.join(', ')}`);
    assert.equal(fingerprint(dir), before, "the user's repository is byte for byte unchanged");
    const waveGit = path.join(dir, '.wave', 'git');
    assert.doesNotMatch(readFileSync(path.join(waveGit, 'config'), 'utf8'), /evil|hooksPath|fsmonitor/);
    const hooks = existsSync(path.join(waveGit, 'hooks')) ? readdirSync(path.join(waveGit, 'hooks')) : [];
    assert.deepEqual(
      hooks.filter((h) => !h.endsWith('.sample')),
      [],
    );
  });
});
