// The original Wave's project (trimmed into test/fixtures/original: its wave.yaml with adapters that name no image,
// the .agents/ layout, a pipeline with tiers, a skill and an inject_artifacts alias) runs as written: offline,
// through the real Claude Code CLI in its container, answered by the scripted model in .agents/scripts/.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROVIDERS } from '../../src/sandbox/egress/providers.js';
import { dockerForTests, imageForTests } from '../support/docker.js';
import { runPipeline } from '../support/e2e-project.js';
import { runWave } from '../support/run-cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/original/', import.meta.url));
const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker, 'wave/claude:latest'));
const skipBase = noDocker || (await imageForTests(docker, 'wave/base:latest'));
const OFFLINE_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.values(PROVIDERS).flatMap((p) => p.hostKeyEnv.map((k) => [k, undefined])),
);

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the fixture in a fresh git repository (so the forge comes from metadata.forge, not this repo). */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-e2e-original-'));
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

describe("the original Wave's project", () => {
  test('{{ project.* }} and {{ forge.* }} reach a command step, shell-quoted', { skip: skipBase }, async () => {
    const dir = project();
    const { status, events, stderr } = await runPipeline(dir, 'local-facts', { env: OFFLINE_ENV, timeoutMs: 120_000 });
    assert.equal(status, 0, stderr);
    const out = path.join(dir, 'export');
    assert.equal(runWave(['artifacts', String(events[0]?.runId), '--export', out], dir).status, 0);
    assert.equal(readFileSync(path.join(out, 'facts', 'facts.txt'), 'utf8'), 'go|go test ./...|gh');
  });

  test('ops-hello-world validates, dry-runs and runs offline as written', { skip }, async () => {
    const dir = project();
    const validate = runWave(['validate', '--pipeline', 'ops-hello-world'], dir);
    assert.equal(validate.status, 0, validate.stderr);
    const dry = runWave(['run', 'ops-hello-world', 'Ada', '--dry-run'], dir);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /image wave\/claude:latest/);
    assert.match(dry.stdout, /model claude-haiku-4-5/, 'model: cheapest maps through the built-in claude tiers');

    const { status, events, stderr } = await runPipeline(dir, 'ops-hello-world', {
      env: OFFLINE_ENV,
      flags: ['Ada'],
      timeoutMs: 300_000,
    });
    assert.equal(status, 0, stderr);
    assert.match(stderr, /answering with the scripted model/);
    const completed = events.filter((e) => e.type === 'step_completed').map((e) => e.stepId);
    assert.deepEqual(completed.sort(), ['greet', 'review']);
    const runId = String(events[0]?.runId);
    const out = path.join(dir, 'export');
    assert.equal(runWave(['artifacts', runId, '--export', out], dir).status, 0);
    const greeting = readFileSync(path.join(out, 'greet', 'greeting.txt'), 'utf8');
    assert.equal(greeting, 'Hello from Wave! Your message was: Ada\n');
    assert.deepEqual(readdirSync(path.join(out, 'review')), ['review.json']);
    // Claude Code lists the skills it loaded in its init event: the pipeline's skill from .agents/skills/.
    const logs = runWave(['logs', runId, '--step', 'greet'], dir);
    assert.match(logs.stdout, /"skills":\[[^\]]*"software-design"/, 'Claude Code loaded the skill');
  });
});
