// `wave validate` of gate steps: the kinds Wave runs (pr_merge and ci_pass refused), unique choice keys, a
// default that names a choice, a timer with its timeout, targets that exist and are upstream (or _fail), a default
// that would loop, and keys that have no meaning on a step that only waits - each at its file:line.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkPipelineFile } from '../../../src/validate/index.js';
import { tempProject } from '../config/_helpers.js';

const BUILD = '  - id: build\n    exec: {type: command, script: "true"}\n';
const pipeline = (steps: string) => `kind: WavePipeline\nmetadata: {name: g}\nsteps:\n${BUILD}${steps}`;
/** Line 6 is the gate step's id, line 8 `gate:`, line 9 its first key. */
const gate = (body: string, extra = '') => `  - id: ok\n    dependencies: [build]\n    gate:\n${body}${extra}`;

async function problems(text: string): Promise<string[]> {
  const dir = await tempProject({ '.wave/pipelines/g.yaml': text });
  const check = await checkPipelineFile(path.join(dir, '.wave', 'pipelines', 'g.yaml'), dir);
  return check.problems.map((p) => `${p.line}: ${p.severity} ${p.message}`);
}

describe('gate validation', () => {
  it('accepts an approval gate with choices, targets upstream and _fail, and a step reading its decision', async () => {
    const text = pipeline(
      gate(
        '      type: approval\n      message: ship?\n      timeout: 2h\n      freeform: true\n' +
          '      choices:\n        - {key: ship, label: Ship}\n        - {key: again, label: Again, target: build}\n' +
          '        - {key: stop, label: Stop, target: _fail}\n      default: ship\n',
        '  - id: after\n    dependencies: [ok]\n' +
          '    exec: {type: command, script: "echo {{ steps.ok.artifacts.decision.choice }}"}\n',
      ),
    );
    assert.deepEqual(await problems(text), []);
  });

  it('refuses pr_merge and ci_pass: they need forge access', async () => {
    assert.deepEqual(await problems(pipeline(gate('      type: pr_merge\n      pr_number: 3\n'))), [
      "9: error step 'ok': a pr_merge gate is not supported yet (needs forge access)",
    ]);
    assert.deepEqual(await problems(pipeline(gate('      type: ci_pass\n'))), [
      "9: error step 'ok': a ci_pass gate is not supported yet (needs forge access)",
    ]);
  });

  it('checks keys, the default, the timer and what a gate cannot carry', async () => {
    const text = pipeline(
      gate(
        '      type: approval\n      choices: [{key: a, label: A}, {key: a, label: B}]\n      default: c\n',
        '    persona: navigator\n  - id: wait\n    gate: {type: timer}\n  - id: auto\n' +
          '    gate: {type: approval, auto: true, choices: [{key: x, label: X}]}\n',
      ),
    );
    assert.deepEqual(await problems(text), [
      "10: error step 'ok': gate.choices: duplicate key 'a'",
      "11: error step 'ok': gate.default 'c' is not a choice key",
      "12: error step 'ok': persona cannot be used with gate:",
      "14: error step 'wait': a timer gate needs gate.timeout (how long it waits)",
      "16: error step 'auto': gate.auto takes the default choice, and there is none",
    ]);
  });

  it('a target must be an upstream step or _fail, and the default must not re-run a step', async () => {
    const text = pipeline(
      gate(
        '      type: approval\n      choices:\n        - {key: x, label: X, target: nowhere}\n' +
          '        - {key: y, label: Y, target: later}\n        - {key: z, label: Z, target: build}\n' +
          '      default: z\n',
        '  - id: later\n    dependencies: [ok]\n    exec: {type: command, script: "true"}\n',
      ),
    );
    assert.deepEqual(await problems(text), [
      "11: error step 'ok': gate choice 'x' targets unknown step 'nowhere'",
      "12: error step 'ok': gate choice 'y' targets 'later', which is not upstream",
      "14: error step 'ok': gate.default 'z' runs 'build' again: an unanswered gate (--auto-approve, a timeout) would loop",
    ]);
  });
});
