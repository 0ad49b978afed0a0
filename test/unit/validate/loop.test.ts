// `wave validate` of loop steps: the inline steps are checked like any pipeline's, with problems at their own
// lines; until must parse (line and column at the fault) and read only the iteration or what is upstream; what
// cannot go with a loop is refused; a loop step's artifacts are its iteration's, each name from its last writer.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const pipeline = (name: string, steps: string) => `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n${steps}`;
const SCOPE =
  '  - id: scope\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: s, path: s.json}]\n';
const LEAF = pipeline(
  'leaf',
  '  - id: work\n    exec: {type: command, script: "true"}\n    output_artifacts: [{name: verdict, path: v.json}]\n' +
    'pipeline_outputs: {verdict: {step: work, artifact: verdict}}\n',
);

/** A loop step `fix` (lines 5-9) with `until` and the inline steps given (from line 10). */
const loopStep = (until: string, inline: string, body = '    exec: {type: command, script: "true"}\n') =>
  `${SCOPE}  - id: fix\n    dependencies: [scope]\n${body}    output_artifacts: [{name: r, path: r.json}]\n` +
  `    loop:\n      max_iterations: 3\n      until: "${until}"\n${inline ? `      steps:\n${inline}` : ''}`;

async function check(files: Record<string, string>, which: string) {
  const dir = await tempProject(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [`.wave/pipelines/${name}.yaml`, text])),
  );
  return checkPipelineFile(path.join(dir, '.wave', 'pipelines', `${which}.yaml`), dir);
}

async function problems(files: Record<string, string>, which: string): Promise<string[]> {
  const { problems: found } = await check(files, which);
  return found.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column}: ${p.message}`);
}

const CHECK_STEP =
  '        - id: recheck\n          pipeline: leaf\n          input: "{{ steps.scope.artifacts.s.x }} {{ iteration }}"\n';

describe('loop validation', () => {
  it("accepts the original's forms: the whole condition in braces, references without steps.", async () => {
    for (const until of ["{{ fix.artifacts.r.state == 'done' }}", "{{ recheck.output.verdict }} == 'APPROVE'"]) {
      const root = pipeline('root', loopStep(until, CHECK_STEP));
      assert.deepEqual(await problems({ leaf: LEAF, root }, 'root'), [], until);
    }
  });

  it("gives the loop step its iteration's artifacts, each name from the last step writing it", async () => {
    const root = pipeline('root', loopStep("{{ recheck.output.verdict }} == 'APPROVE'", CHECK_STEP));
    const { loaded, problems: found } = await check({ leaf: LEAF, root }, 'root');
    assert.deepEqual(
      found.map((p) => p.message),
      [],
    );
    const fix = loaded?.pipeline.steps.find((s) => s.id === 'fix');
    assert.deepEqual(
      fix?.output_artifacts.map((o) => `${o.name}:${o.type}`),
      ['r:json', 'verdict:json'],
    );
    assert.deepEqual(
      fix?.loop?.body_outputs.map((o) => o.name),
      ['r'],
    );
  });

  it('points at the column of a bad until', async () => {
    const root = pipeline('root', loopStep("{{ fix.artifacts.r.state =! 'x' }}", ''));
    assert.deepEqual(await problems({ root }, 'root'), ["13:41: step 'fix': loop.until: unexpected '!'"]);
    const word = pipeline('root', loopStep('{{ steps.fix.artifacts.r.state }} == done', ''));
    const [first] = await problems({ root: word }, 'root');
    assert.match(first ?? '', /^13:52: step 'fix': loop\.until: 'done' is not a value/);
  });

  it('refuses outcome in until: only a graph edge has one', async () => {
    const root = pipeline('root', loopStep('outcome=success', ''));
    assert.deepEqual(await problems({ root }, 'root'), [
      "13:15: step 'fix': loop.until: 'outcome' has no value in a loop",
    ]);
  });

  it('refuses an until reading a step that is neither in the iteration nor upstream', async () => {
    const late =
      '  - id: late\n    dependencies: [fix]\n    exec: {type: command, script: "true"}\n' +
      '    output_artifacts: [{name: l, path: l.json}]\n';
    const root = pipeline('root', loopStep('{{ late.artifacts.l.x }} == 1', '') + late);
    assert.deepEqual(await problems({ root }, 'root'), ["13:14: step 'fix': loop.until: step 'late' is not upstream"]);
  });

  it('checks the inline steps as steps, at their own lines', async () => {
    const broken = '        - id: a\n          exec: {type: command}\n';
    const root = pipeline('root', loopStep('{{ fix.artifacts.r.x }} == 1', broken));
    assert.deepEqual(await problems({ root }, 'root'), ["16:24: step 'a': a command step needs exec.script"]);
    const graph =
      '        - id: a\n          exec: {type: command, script: "true"}\n' +
      '        - id: b\n          dependencies: [nowhere]\n          exec: {type: command, script: "cat {{ deps.a.q }}"}\n';
    const found = await problems({ root: pipeline('root', loopStep('{{ fix.artifacts.r.x }} == 1', graph)) }, 'root');
    assert.ok(
      found.some((p) => /^18:\d+: step 'b': unknown dependency 'nowhere'/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /^19:\d+: step 'b': .*deps\.a\.q/.test(p)),
      found.join('\n'),
    );
  });

  it('reads {{ iteration }} only in a loop', async () => {
    const root = pipeline('root', `${SCOPE}  - id: once\n    exec: {type: command, script: "echo {{ iteration }}"}\n`);
    const [first] = await problems({ root }, 'root');
    assert.match(first ?? '', /\{\{ iteration \}\} is only set in a loop's steps/);
  });

  it('refuses what cannot go with a loop', async () => {
    const nested =
      '        - id: inner\n          exec: {type: command, script: "true"}\n' +
      '          loop: {max_iterations: 2, until: "{{ inner.output.x }}"}\n' +
      '        - id: fix\n          exec: {type: command, script: "true"}\n';
    const root = pipeline('root', loopStep('{{ fix.artifacts.r.x }} == 1', nested));
    const found = await problems({ root }, 'root');
    for (const expected of [
      /^17:\d+: step 'inner': a loop inside a loop's steps is not supported/,
      /^18:\d+: step 'fix': a loop's step cannot have the loop step's id/,
    ]) {
      assert.ok(
        found.some((p) => expected.test(p)),
        `${expected}\n${found.join('\n')}`,
      );
    }
    const twice = pipeline(
      'root',
      loopStep(
        '{{ fix.artifacts.r.x }} == 1',
        '        - id: scope\n          exec: {type: command, script: "true"}\n',
      ),
    );
    assert.deepEqual(await problems({ root: twice }, 'root'), [
      "15:15: step 'scope' of loop 'fix': the pipeline has a step 'scope' too",
    ]);
    const bodyless = pipeline('root', loopStep('{{ fix.artifacts.r.x }} == 1', '', ''));
    assert.match((await problems({ root: bodyless }, 'root'))[0] ?? '', /the loop has nothing to repeat/);
    const iterate = pipeline(
      'root',
      loopStep('{{ fix.artifacts.r.x }} == 1', '') + '    iterate: {over: "{{ steps.scope.output.items }}"}\n',
    );
    assert.ok((await problems({ root: iterate }, 'root')).some((p) => p.includes('iterate cannot be used with loop:')));
  });

  it('refuses a loop in graph mode, edges in its steps and a matrix strategy with it', async () => {
    const until = '{{ fix.artifacts.r.x }} == 1';
    const edged = pipeline('root', loopStep(until, '') + '    edges: [{target: _complete}]\n');
    assert.ok(
      (await problems({ root: edged }, 'root')).some((p) =>
        p.includes("step 'fix': a loop step cannot be part of a graph-mode pipeline yet"),
      ),
    );
    const inner =
      '        - id: route\n          exec: {type: command, script: "true"}\n          edges: [{target: fix}]\n';
    const routed = await problems({ root: pipeline('root', loopStep(until, inner)) }, 'root');
    assert.ok(
      routed.some((p) => /^17:\d+: step 'route': a loop's step cannot route \(graph mode\)/.test(p)),
      routed.join('\n'),
    );
    const matrix = pipeline('root', loopStep(until, '') + '    strategy: {type: matrix, items_source: scope/s.json}\n');
    assert.ok((await problems({ root: matrix }, 'root')).some((p) => p.includes('strategy cannot be used with loop:')));
  });

  it('bounds max_iterations', async () => {
    const root = pipeline(
      'root',
      loopStep('{{ fix.artifacts.r.x }} == 1', '').replace('max_iterations: 3', 'max_iterations: 500'),
    );
    const [first] = await problems({ root }, 'root');
    assert.match(first ?? '', /^12:\d+: .*(100|maximum)/);
  });
});
