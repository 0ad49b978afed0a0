// The CLI on the original Wave's project (test/fixtures/original) and on a new one in its layout.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWave } from '../../support/run-cli.js';
import { tempProject } from '../config/_helpers.js';

const ORIGINAL = fileURLToPath(new URL('../../fixtures/original/', import.meta.url));

describe("the CLI on the original Wave's project", () => {
  it('wave list adapters: the image and what each tier runs, and where that comes from', () => {
    const res = runWave(['list', 'adapters', '-o', 'json'], ORIGINAL);
    assert.equal(res.status, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as Array<{ name: string; cli: string; image: string; tiers: string }>;
    const claude = rows.find((r) => r.name === 'claude');
    assert.deepEqual([claude?.cli, claude?.image], ['claude', 'wave/claude:latest']);
    assert.match(claude?.tiers ?? '', /^cheapest=claude-haiku-4-5 \(built-in\) /);
    assert.equal(rows.find((r) => r.name === 'opencode-qwen')?.cli, 'opencode');
  });

  it('wave list pipelines: the ones in .agents/pipelines/', () => {
    const res = runWave(['list', 'pipelines', '-o', 'json'], ORIGINAL);
    const rows = JSON.parse(res.stdout) as Array<{ name: string; path: string }>;
    const ops = rows.find((r) => r.name === 'ops-hello-world');
    assert.match(ops?.path ?? '', /\.agents\/pipelines\/ops-hello-world\.yaml$/);
  });

  it('wave validate --pipeline: zero errors; the run dry-runs', () => {
    for (const pipeline of ['ops-hello-world', 'gh-issue-triage']) {
      const res = runWave(['validate', '--pipeline', pipeline], ORIGINAL);
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /^valid: manifest and 1 pipeline\(s\)/);
    }
    const dry = runWave(['run', 'gh-issue-triage', 're-cinq/wave 42', '--dry-run'], ORIGINAL);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /persona github-analyst, model claude-sonnet-4-5/);
  });

  it('wave init --layout agents writes .agents/; an unknown layout is a usage error', async () => {
    const dir = await tempProject({});
    const res = runWave(['init', '--layout', 'agents'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(existsSync(path.join(dir, '.agents', 'pipelines', 'hello-world.yaml')));
    assert.equal(runWave(['validate', '--all'], dir).status, 0);
    const bad = runWave(['init', '--layout', 'nope'], await tempProject({}));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--layout: unknown layout 'nope'/);
  });
});
