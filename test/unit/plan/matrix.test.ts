// The matrix strategy as data: its items at item_key, the tiers dependency_key makes (unknown ids, duplicates and
// cycles refused), and the child input input_template renders.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Matrix } from '../../../src/config/types.js';
import { inputTemplateProblems } from '../../../src/config/pipeline-matrix.js';
import { matrixItems, matrixTiers, renderInputTemplate } from '../../../src/plan/matrix.js';

const matrix = (extra: Partial<Matrix> = {}): Matrix => ({
  items_source: 'plan/tasks.json',
  item_outputs: [],
  ...extra,
});
const tiersOf = (items: unknown[]) => {
  const r = matrixTiers(items, 'id', 'needs');
  return r.ok ? r.value.tiers : r.reason;
};

describe('matrix items and tiers', () => {
  it('reads the array at item_key, or the document itself', () => {
    assert.deepEqual(matrixItems({ plan: { tasks: [1, 2] } }, matrix({ item_key: 'plan.tasks' })), {
      ok: true,
      value: [1, 2],
    });
    assert.deepEqual(matrixItems(['a'], matrix()), { ok: true, value: ['a'] });
    const missing = matrixItems({ tasks: [] }, matrix({ item_key: 'jobs' }));
    assert.deepEqual(missing, { ok: false, reason: "strategy.item_key 'jobs' is not in plan/tasks.json" });
    const notArray = matrixItems({ tasks: { a: 1 } }, matrix({ item_key: 'tasks' }));
    assert.match(notArray.ok ? '' : notArray.reason, /at 'tasks' is not a JSON array \(it is object\)/);
  });

  it('puts each item after everything it needs; items of a tier keep their file order', () => {
    const items = [{ id: 'd', needs: ['c'] }, { id: 'b' }, { id: 'c', needs: ['a', 'b'] }, { id: 'a', needs: null }];
    assert.deepEqual(tiersOf(items), [[1, 3], [2], [0]]);
    // Numeric ids name the same item as their text.
    assert.deepEqual(tiersOf([{ id: 1 }, { id: 2, needs: [1] }]), [[0], [1]]);
  });

  it('refuses unknown ids, duplicate ids, missing ids, a non-array and cycles, naming them', () => {
    assert.equal(tiersOf([{ id: 'a', needs: ['x'] }]), "item 'a' depends on 'x', no item's id");
    assert.equal(tiersOf([{ id: 'a' }, { id: 'a' }]), "items 0 and 1 have the same id 'a'");
    assert.equal(tiersOf([{ name: 'a' }]), "item 0 has no id at strategy.item_id_key 'id'");
    assert.equal(tiersOf([{ id: 'a', needs: 'b' }]), "item 'a': strategy.dependency_key 'needs' is not an array");
    const cycle = [{ id: 'a' }, { id: 'b', needs: ['a', 'd'] }, { id: 'c', needs: ['b'] }, { id: 'd', needs: ['c'] }];
    assert.equal(tiersOf(cycle), 'dependency cycle among items: b → d → c → b');
    assert.equal(tiersOf([{ id: 'a', needs: ['a'] }]), 'dependency cycle among items: a → a');
  });
});

describe('matrix input_template', () => {
  it('renders {{ . }} and {{ .field.sub }}; without a template the input is the item as JSON', () => {
    const item = { number: 7, meta: { title: 'Fix it' } };
    assert.deepEqual(renderInputTemplate('#{{ .number }}: {{.meta.title}}', item), { ok: true, value: '#7: Fix it' });
    assert.deepEqual(renderInputTemplate('{{ . }}', 'plain'), { ok: true, value: 'plain' });
    assert.deepEqual(renderInputTemplate(undefined, item), { ok: true, value: JSON.stringify(item) });
    assert.deepEqual(renderInputTemplate('{{ .nope }}', item), {
      ok: false,
      reason: "strategy.input_template: the item has no field '.nope'",
    });
  });

  it('names the actions it cannot render', () => {
    assert.deepEqual(inputTemplateProblems('{{ .a }} {{ range .b }}x{{ end }}'), [
      "'{{ range .b }}' is not {{ . }} or {{ .<field> }}",
      "'{{ end }}' is not {{ . }} or {{ .<field> }}",
    ]);
  });
});
