import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog } from '../../../src/images/catalog.js';
import { planBuild } from '../../../src/images/order.js';

const catalog = defaultCatalog('/images');
const names = (present: string[], requested: string[], also: string[] = []) =>
  planBuild(catalog, requested, (n) => present.includes(n), also).map((s) => s.name);

describe('build order', () => {
  it('builds everything, base first, when nothing is named', () => {
    assert.deepEqual(names([], []), ['base', 'claude', 'codex', 'gemini', 'opencode']);
  });

  it('puts base before a dependent when both are named, whatever the order given', () => {
    assert.deepEqual(names(['base'], ['claude', 'base']), ['base', 'claude']);
  });

  it('adds base when a dependent is named and base is missing', () => {
    assert.deepEqual(names([], ['gemini']), ['base', 'gemini']);
  });

  it('leaves an existing base alone when only a dependent is named', () => {
    assert.deepEqual(names(['base'], ['codex']), ['codex']);
  });

  it('adds the images that must be rebuilt (base, for an extra CA)', () => {
    assert.deepEqual(names(['base'], ['codex'], ['base']), ['base', 'codex']);
  });

  it('rejects an unknown name with the list of images', () => {
    assert.throws(
      () => names([], ['claud']),
      (err: Error & { hint?: string }) => {
        assert.match(err.message, /unknown image "claud"/);
        assert.match(err.hint ?? '', /base, claude, codex, gemini, opencode/);
        return true;
      },
    );
  });
});
