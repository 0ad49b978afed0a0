// {{ steps.<step>.artifacts.<artifact>.<field> }} in a run: the field of a JSON input, read from the step's in/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Step } from '../../../src/config/index.js';
import { jsonFieldReader } from '../../../src/engine/json-fields.js';
import { StepGraph, fillTemplate, stepTemplateContext } from '../../../src/plan/index.js';

const step = (id: string, extra: Partial<Step> = {}): Step => ({
  id,
  dependencies: [],
  exec: { type: 'prompt', source: 'x' },
  output_artifacts: [],
  handover: { contracts: [] },
  ...extra,
});
const greet = step('greet', { output_artifacts: [{ name: 'greeting', path: 'g.txt', type: 'text', required: true }] });
const review = step('review', { dependencies: ['greet'] });

describe('steps.<step>.artifacts.<artifact>.<field> in a run', () => {
  it('reads the field of the JSON input; a missing field or a non-JSON input fails with the reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wave-json-fields-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(path.join(dir, 'greet'));
    const graph = new StepGraph([greet, review]);
    const read = jsonFieldReader(graph, review, dir);
    writeFileSync(path.join(dir, 'greet', 'g.txt'), '{"a": {"b": "deep", "n": [1, 2]}}');
    const ctx = {
      ...stepTemplateContext(graph, review, { input: '', runId: 'r', pipelineName: 'p' }),
      readJsonField: read,
    };
    const fill = (text: string) => {
      const { rendered, failures } = fillTemplate(text, ctx);
      return failures[0]?.message ?? rendered;
    };
    assert.equal(fill('{{ steps.greet.artifacts.greeting.a.b }}'), 'deep');
    assert.equal(fill('{{ steps.greet.artifacts.greeting.a.n }}'), '[1,2]');
    assert.equal(fill('{{ steps.greet.artifacts.greeting.a.n.1 }}'), '2');
    assert.match(fill('{{ steps.greet.artifacts.greeting.a.c }}'), /has no field 'a\.c'/);
    writeFileSync(path.join(dir, 'greet', 'g.txt'), 'plain text');
    assert.match(fill('{{ steps.greet.artifacts.greeting.a }}'), /is not a JSON file/);
  });
});
