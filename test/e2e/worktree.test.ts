// A step that changes code, end to end: the real Claude Code CLI in its container, against the scripted model,
// reads and edits a file of a private worktree with its own Read and Edit tools; the test_suite contract runs the
// project's failing test against the changed tree in its own container and it passes; `wave apply` creates branch
// wave/<run> whose diff from HEAD is exactly that edit, and the user's HEAD, index and files are unchanged. A
// review step with the original's `context: [{source: git_diff}]` gets that change in its prompt.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { modelScriptFromObject, startScriptedModel, type ScriptedModel } from '../../src/model/index.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { createE2eProject, personaOf, removeE2eProject, runPipeline } from '../support/e2e-project.js';
import { checkedOut, gitIn } from '../support/git-project.js';
import { runWave } from '../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));

const KEY = `sk-ant-test-${randomBytes(16).toString('hex')}`;
const FILE = '/wave/src/src/add.mjs';

const script = modelScriptFromObject({
  steps: {
    implement: [
      { tool_calls: [{ name: 'Read', input: { file_path: FILE } }] },
      {
        tool_calls: [{ name: 'Edit', input: { file_path: FILE, old_string: 'a - b', new_string: 'a + b' } }],
      },
      { text: 'Fixed add: it subtracted.' },
    ],
    review: [{ text: 'The change fixes add.' }],
  },
});

const PIPELINE = `kind: WavePipeline
metadata: {name: impl}
steps:
  - id: implement
    persona: tester
    workspace: {type: worktree}
    exec: {type: prompt, source: "{{ input }}"}
    handover:
      contracts:
        - {type: test_suite, command: "node test.mjs"}
        - {type: source_diff, glob: "src/**"}
        - {type: test_diff}
    retry: {policy: none}
  - id: review
    persona: tester
    dependencies: [implement]
    context: [{source: git_diff}]
    exec: {type: prompt, source: "Review the change."}
    retry: {policy: none}
`;

let dir: string;
let model: ScriptedModel;

before(async () => {
  if (skip) return;
  model = await startScriptedModel({ script, requireApiKey: KEY });
  dir = createE2eProject({
    name: 'worktree',
    files: {
      'src/add.mjs': 'export const add = (a, b) => a - b;\n',
      'test.mjs': "import { add } from './src/add.mjs';\nif (add(2, 3) !== 5) process.exit(1);\n",
      '.gitignore': '.wave/\n',
    },
    manifest: (manifest) => {
      manifest.runtime.models = { anthropic: { base_url: model.url } };
      manifest.personas.tester = personaOf('claude', 'cheapest')('e2e: edits code', { allowed_tools: ['*'], deny: [] });
    },
    pipelines: { impl: PIPELINE },
  });
  gitIn(dir, 'add', '-A');
  gitIn(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'failing test');
});
after(() => removeE2eProject(dir, model));

describe('a worktree step, end to end', { skip }, () => {
  test('the CLI edits the tree, the test passes in its container, wave apply makes the branch', async () => {
    const before = checkedOut(dir);
    const { status, events, stderr } = await runPipeline(dir, 'impl', {
      env: { ANTHROPIC_API_KEY: KEY },
      flags: ['make the failing test pass'],
    });
    const failures = events.filter((e) => e.type === 'step_failed' || e.type === 'contract_result');
    assert.equal(status, 0, stderr + JSON.stringify(failures));
    const tools = events.filter((e) => e.type === 'tool_call' && e.status === 'started').map((e) => e.name);
    assert.deepEqual(tools, ['Read', 'Edit']);
    // The review's prompt held the change as a diff (the original's git_diff context), computed by Wave.
    const reviewed = model.requests.map((r) => JSON.stringify(r.body)).find((b) => b.includes('Review the change.'));
    assert.match(reviewed ?? '', /### Git diff: the change of step implement/);
    assert.ok(reviewed?.includes(JSON.stringify('+export const add = (a, b) => a + b;').slice(1, -1)), reviewed);
    const changes = events.find((e) => e.type === 'changes_recorded');
    assert.equal(changes?.files, 1);
    const runId = events[0]?.runId as string;

    const diff = runWave(['diff', runId], dir);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /^-export const add = \(a, b\) => a - b;\n\+export const add = \(a, b\) => a \+ b;$/m);

    const apply = runWave(['apply', runId], dir);
    assert.equal(apply.status, 0, apply.stderr);
    assert.equal(gitIn(dir, 'diff', '--name-only', 'HEAD', `wave/${runId}`), 'src/add.mjs\n');
    assert.equal(gitIn(dir, 'show', `wave/${runId}:src/add.mjs`), 'export const add = (a, b) => a + b;\n');
    assert.equal(checkedOut(dir), before, "the user's HEAD, index and working tree are byte for byte unchanged");
  });
});
