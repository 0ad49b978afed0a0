import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ADAPTER_IMAGES,
  catalogNameOf,
  defaultCatalog,
  hashTagFor,
  imageRefFor,
  isHashTag,
  splitRef,
} from '../../../src/images/catalog.js';
import { packageVersion } from '../../../src/images/paths.js';

describe('image catalogue and tags', () => {
  it('names the moving tag wave/<name>:latest', () => {
    assert.equal(imageRefFor('claude'), 'wave/claude:latest');
    assert.equal(imageRefFor('probe', 'wavetest'), 'wavetest/probe:latest');
  });

  it('names a build wave/<name>:<package version>-<12 hex of the hash>', () => {
    const hash = '0123456789abcdef'.repeat(4);
    assert.equal(hashTagFor('codex', hash, 'wave', '1.2.3'), 'wave/codex:1.2.3-0123456789ab');
    assert.equal(hashTagFor('codex', hash), `wave/codex:${packageVersion()}-0123456789ab`);
    assert.ok(isHashTag('1.2.3-0123456789ab'));
    assert.ok(!isHashTag('latest'));
    assert.ok(!isHashTag('trixie'));
  });

  it('splits references, keeping a registry port', () => {
    assert.deepEqual(splitRef('wave/claude:latest'), { repository: 'wave/claude', tag: 'latest' });
    assert.deepEqual(splitRef('wave/claude'), { repository: 'wave/claude', tag: 'latest' });
    assert.deepEqual(splitRef('localhost:5000/wave/claude'), {
      repository: 'localhost:5000/wave/claude',
      tag: 'latest',
    });
    assert.equal(catalogNameOf('wave/gemini:0.1.0-0123456789ab'), 'gemini');
    assert.equal(catalogNameOf('other/gemini:latest'), undefined);
  });

  it('has base plus one image per adapter, each with a Dockerfile, adapters FROM base', () => {
    const catalog = defaultCatalog();
    assert.deepEqual(
      catalog.map((s) => s.name),
      ['base', ...ADAPTER_IMAGES],
    );
    for (const spec of catalog) {
      assert.ok(existsSync(path.join(spec.dir, 'Dockerfile')), `${spec.dir}/Dockerfile`);
      if (spec.name !== 'base') assert.deepEqual(spec.parent, { kind: 'wave', name: 'base' });
    }
  });
});
