// aggregate: Wave merges the items' artifacts itself, in item order, by strategy; a wrong shape is a clear failure.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mergeArtifacts } from '../../../src/engine/aggregate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-aggregate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const files = (...texts: string[]) =>
  texts.map((t) => {
    const f = path.join(dir, `f${n++}`);
    writeFileSync(f, t);
    return f;
  });

describe('mergeArtifacts', () => {
  it('merge_arrays concatenates in order; with key a later element replaces an earlier one', async () => {
    const agg = { from: 'r', into: 'all', strategy: 'merge_arrays' as const };
    assert.deepEqual(await mergeArtifacts(agg, files('[1, 2]', '[]', '[3]')), {
      ok: true,
      text: '[\n  1,\n  2,\n  3\n]\n',
    });
    const keyed = await mergeArtifacts(
      { ...agg, key: 'id' },
      files('[{"id": 1, "v": "a"}, {"id": 2}]', '[{"id": 1, "v": "b"}]'),
    );
    assert.ok(keyed.ok);
    assert.deepEqual(JSON.parse(keyed.text), [{ id: 1, v: 'b' }, { id: 2 }]);
    const wrong = await mergeArtifacts(agg, files('[1]', '{"a": 1}'));
    assert.deepEqual(wrong, { ok: false, reason: "item 1: 'r' is not a JSON array" });
  });

  it('concat joins texts line by line; reduce merges objects or keys them', async () => {
    const concat = await mergeArtifacts({ from: 'r', into: 'all', strategy: 'concat' }, files('a', 'b\n', ''));
    assert.deepEqual(concat, { ok: true, text: 'a\nb\n' });
    const reduce = { from: 'r', into: 'all', strategy: 'reduce' as const };
    const merged = await mergeArtifacts(reduce, files('{"a": 1, "b": 1}', '{"b": 2}'));
    assert.ok(merged.ok);
    assert.deepEqual(JSON.parse(merged.text), { a: 1, b: 2 });
    const keyed = await mergeArtifacts({ ...reduce, key: 'name' }, files('{"name": "x", "v": 1}', '{"name": "y"}'));
    assert.ok(keyed.ok);
    assert.deepEqual(JSON.parse(keyed.text), { x: { name: 'x', v: 1 }, y: { name: 'y' } });
    assert.deepEqual(await mergeArtifacts({ ...reduce, key: 'name' }, files('{"v": 1}')), {
      ok: false,
      reason: "item 0: 'r' has no field 'name'",
    });
    assert.deepEqual(await mergeArtifacts(reduce, files('not json')), {
      ok: false,
      reason: "item 0: 'r' is not JSON (Unexpected token 'o', \"not json\" is not valid JSON)",
    });
  });

  it('no items: an empty array, an empty object, an empty text', async () => {
    assert.deepEqual(await mergeArtifacts({ from: 'r', into: 'a', strategy: 'merge_arrays' }, []), {
      ok: true,
      text: '[]\n',
    });
    assert.deepEqual(await mergeArtifacts({ from: 'r', into: 'a', strategy: 'reduce' }, []), {
      ok: true,
      text: '{}\n',
    });
    assert.deepEqual(await mergeArtifacts({ from: 'r', into: 'a', strategy: 'concat' }, []), { ok: true, text: '' });
  });
});
