// Under GitHub Actions a broken contract is a workflow annotation on the pipeline file's line (issue 14, CI runners):
// once per step, for the attempt that ended it, escaped so a step's text cannot forge a command of its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ciSinks } from '../../../src/cli/ci-sinks.js';
import { readPipeline } from '../../../src/config/index.js';
import {
  escapeData,
  escapeProperty,
  githubAnnotationSink,
  pipelineLocator,
  type StepLocator,
} from '../../../src/events/sinks/github.js';
import type { WaveEvent } from '../../../src/events/types.js';
import { RUN, at } from './fixtures.js';

const FILE = '/work/repo/.wave/pipelines/review.yaml';
const locate: StepLocator = (stepId, index) => ({ file: FILE, line: stepId === 'report' ? 20 + (index ?? 0) : 5 });

function annotations(events: WaveEvent[], workspace?: string): string[] {
  let out = '';
  const write = (text: string): void => void (out += text);
  const sink = githubAnnotationSink({ write, locate, ...(workspace ? { workspace } : {}) });
  for (const event of events) sink.write(event);
  return out.split('\n').filter(Boolean);
}

const attempt = (n: number) => ({ runId: RUN, stepId: 'report', attempt: n }) as const;
const agent = { persona: '', adapter: 'command', model: '', image: 'i' };
const started = (n: number): WaveEvent => ({ ...attempt(n), type: 'step_started', time: at(n), ...agent });
const contract = (n: number, ok: boolean, errors: string[], hard = true): WaveEvent => ({
  ...attempt(n),
  type: 'contract_result',
  time: at(n + 0.5),
  index: 0,
  contractType: 'json_schema',
  ok,
  hard,
  errors,
});
const retrying = (n: number): WaveEvent => ({
  ...attempt(n),
  type: 'step_retrying',
  time: at(n + 0.6),
  nextAttempt: n + 1,
  delayMs: 0,
  reason: 'contract',
  failureClass: 'contract',
});
const failed = (n: number): WaveEvent => ({
  ...attempt(n),
  type: 'step_failed',
  time: at(n + 0.7),
  reason: 'contract',
  exitCode: 0,
  failureClass: 'contract',
});
const completed = (n: number): WaveEvent => ({ ...attempt(n), type: 'step_completed', time: at(n + 1), durationMs: 1 });

describe('GitHub escaping', () => {
  it('escapes %, CR and LF in a message, and also : and , in a property', () => {
    assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext%3A a%2C b');
  });
});

describe('githubAnnotationSink', () => {
  it('annotates the contract that failed the step, once, on its line, naming the file and the step', () => {
    const lines = annotations([
      started(1),
      contract(1, false, ['/verdict: must be string']),
      retrying(1),
      started(2),
      contract(2, false, ['/verdict: must be string', '/score: required']),
      failed(2),
    ]);
    assert.deepEqual(lines, [
      '::error file=/work/repo/.wave/pipelines/review.yaml,line=20,' +
        "title=Wave%3A step 'report' failed its contract 1 (json_schema)::" +
        "step 'report', contract 1 (json_schema): /verdict: must be string%0A/score: required",
    ]);
  });

  it('gives the file relative to GITHUB_WORKSPACE, as GitHub matches it to the repository', () => {
    const [line] = annotations([started(1), contract(1, false, ['bad']), failed(1)], '/work/repo');
    assert.match(line ?? '', /^::error file=\.wave\/pipelines\/review\.yaml,line=20,/);
  });

  it('says nothing of a failure that a retry repaired, nor of a step that passed', () => {
    const repaired = [contract(1, false, ['bad']), retrying(1), started(2), contract(2, true, []), completed(2)];
    assert.deepEqual(annotations([started(1), ...repaired]), []);
    assert.deepEqual(annotations([started(1), contract(1, true, []), completed(1)]), []);
  });

  it('makes a soft (warn) contract a warning', () => {
    const [line] = annotations([started(1), contract(1, false, ['missing heading'], false), completed(1)]);
    assert.match(line ?? '', /^::warning file=.*,line=20,title=Wave%3A step 'report' warned on its contract 1 /);
  });

  it("keeps a step's text from ending the command or starting one of its own", () => {
    const evil = 'x\n::add-mask::secret\r::error::forged %0A \u001b]0;title\u0007';
    const lines = annotations([started(1), contract(1, false, [evil]), failed(1)]);
    assert.equal(lines.length, 1, 'one line: no command of its own');
    const message = lines[0]?.split('::').slice(2).join('::') ?? '';
    assert.ok(message.includes('x%0A::add-mask::secret\\x0d::error::forged %250A \\x1b]0;title\\x07'), message);
  });
});

describe('pipelineLocator', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wave-locate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("finds a contract's own line (list or single) and a step's", async () => {
    const file = path.join(dir, 'review.yaml');
    await writeFile(
      file,
      [
        'kind: WavePipeline', //                                                         1
        'metadata: {name: review}',
        'steps:',
        '  - id: analyze', //                                                            4
        '    exec: {type: command, script: "true"}',
        '    output_artifacts: [{name: a, path: a.json}, {name: b, path: b.md}]',
        '    handover:',
        '      contracts:',
        '        - {type: json_schema, source: a.json, schema: {type: object}}', //       9
        '        - type: non_empty_file', //                                             10
        '          source: b.md',
        '  - id: report', //                                                             12
        '    dependencies: [analyze]',
        '    exec: {type: command, script: "true"}',
        '    output_artifacts: [{name: r, path: r.json}]',
        '    handover:',
        '      contract: {type: json_schema, source: r.json, schema: {type: object}}', // 17
        '',
      ].join('\n'),
    );
    const { loaded, problems } = await readPipeline(file, { projectDir: dir });
    assert.ok(loaded, JSON.stringify(problems));
    const locateIn = pipelineLocator(loaded);
    assert.deepEqual(locateIn('analyze', 0), { file, line: 9 });
    assert.deepEqual(locateIn('analyze', 1), { file, line: 10 });
    assert.deepEqual(locateIn('report', 0), { file, line: 17 });
    assert.deepEqual(locateIn('report'), { file, line: 12 });
    assert.equal(locateIn('nowhere', 0), undefined);
  });
});

describe('ciSinks', () => {
  it('adds the annotation sink only under GitHub Actions, and only then looks for the pipeline', async () => {
    let asked = 0;
    const file = async (): Promise<string | undefined> => (asked++, undefined);
    assert.deepEqual(await ciSinks('/p', file, {}), []);
    assert.deepEqual(await ciSinks('/p', file, { GITHUB_ACTIONS: 'false', CI: 'true' }), []);
    assert.equal(asked, 0);
    await ciSinks('/p', file, { GITHUB_ACTIONS: 'true' });
    assert.equal(asked, 1);
  });
});
