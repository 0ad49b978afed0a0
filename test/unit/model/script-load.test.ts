import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadModelScript, modelScriptFromObject, parseModelScript } from '../../../src/model/script-load.js';
import { WaveError } from '../../../src/errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/model/${name}`, import.meta.url));

async function loadError(file: string): Promise<WaveError> {
  try {
    await loadModelScript(file);
  } catch (err) {
    assert.ok(err instanceof WaveError, `expected a WaveError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${file} loaded without error`);
}

describe('loadModelScript', () => {
  it('loads every turn kind with defaults filled in', async () => {
    const script = await loadModelScript(fixture('good.yaml'));
    const [e, w, d] = script.steps.greet!.attempts[0]!;
    assert.deepEqual(
      { ...e, at: undefined },
      {
        kind: 'error',
        error: { status: 529, type: 'overloaded_error', message: 'scripted overloaded_error (HTTP 529)' },
        times: 2,
        delay_ms: 0,
        at: undefined,
      },
    );
    assert.equal(w?.kind, 'answer');
    if (w?.kind !== 'answer' || d?.kind !== 'answer') return;
    assert.deepEqual(w.tool_calls, [
      { name: 'Write', input: { file_path: '/wave/out/greeting.md', content: '# Hi\n' } },
    ]);
    assert.deepEqual(w.usage, {
      input_tokens: 5000,
      output_tokens: 42,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
    });
    assert.match(w.at ?? '', /good\.yaml:7$/, 'turns remember file:line for messages');
    assert.equal(d.delay_ms, 5);
    assert.equal(d.usage.output_tokens, 1, 'output estimated from the text when not given');
    assert.deepEqual(
      script.steps.retry!.attempts.map((a) => a.map((t) => (t.kind === 'answer' ? t.text : ''))),
      [['one'], ['two']],
    );
  });

  it('reports unknown keys at file:line:column, every one of them', async () => {
    const err = await loadError(fixture('bad-keys.yaml'));
    assert.equal(err.code, 'manifest_invalid');
    assert.match(
      err.message,
      /bad-keys\.yaml:6:11: error: steps\.greet\[0\]\.tool_calls\[0\]\.inptu: unknown key "inptu" \(allowed: name, input, write, run, read\)/,
    );
    assert.match(err.message, /\(and \d+ more\)/);
    const all = err.details.join('\n');
    assert.match(all, /bad-keys\.yaml:7:7: error: steps\.greet\[1\]\.txt: unknown key "txt"/);
    assert.match(all, /bad-keys\.yaml:7:7: error: steps\.greet\[1\]: a turn needs "text", "tool_calls" or "error"/);
  });

  it('reports bad shapes with their lines', async () => {
    const err = await loadError(fixture('bad-shapes.yaml'));
    const all = err.details.join('\n');
    assert.match(all, /bad-shapes\.yaml:1:23: error: usage\.input_tokens: must be an integer >= 0, got number -5/);
    assert.match(all, /bad-shapes\.yaml:3:3: error: steps\.bad id!: step id "bad id!" may only contain/);
    assert.match(
      all,
      /bad-shapes\.yaml:6:23: error: steps\.err\[0\]\.error\.status: must be an integer 400\.\.599, got number 302/,
    );
    assert.match(
      all,
      /bad-shapes\.yaml:6:34: error: steps\.err\[0\]\.error\.type: "type" must be one of invalid_request_error/,
    );
    assert.match(all, /bad-shapes\.yaml:7:14: error: steps\.err\[0\]\.times: must be an integer >= 1, got number 0/);
    assert.match(
      all,
      /bad-shapes\.yaml:10:7: error: steps\.final-then-more\[1\]: turn 1 can never be served: turn 0 has no tool_calls/,
    );
    assert.match(all, /bad-shapes\.yaml:11:10: error: steps\.empty: a step needs at least one turn/);
  });

  it('reports YAML syntax errors with their position', async () => {
    const err = await loadError(fixture('syntax.yaml'));
    assert.match(err.message, /syntax\.yaml:\d+:\d+: error: YAML syntax/);
  });

  it('reports a missing file as file_not_found', async () => {
    const err = await loadError(fixture('does-not-exist.yaml'));
    assert.equal(err.code, 'file_not_found');
  });

  it('looks up no environment: strings are kept as written ({{ input }} is filled only when served)', () => {
    process.env.WAVE_MODEL_TEST_SECRET = 'leaked';
    const script = parseModelScript(
      'steps:\n  s:\n    - text: "${env:WAVE_MODEL_TEST_SECRET} {{ input }} $WAVE_MODEL_TEST_SECRET"\n',
    );
    const turn = script.steps.s!.attempts[0]![0]!;
    assert.equal(
      turn.kind === 'answer' ? turn.text : '',
      '${env:WAVE_MODEL_TEST_SECRET} {{ input }} $WAVE_MODEL_TEST_SECRET',
    );
    delete process.env.WAVE_MODEL_TEST_SECRET;
  });

  it('validates inline scripts with document paths', () => {
    assert.throws(
      () => modelScriptFromObject({ steps: { s: [{ tool_calls: [{ input: {} }] }] } }),
      /steps\.s\[0\]\.tool_calls\[0\]\.name: must be a string, got undefined/,
    );
    assert.throws(
      () => modelScriptFromObject({ steps: { s: [{ text: 'x', times: 2 }] } }),
      /"times" only applies to error turns/,
    );
    assert.throws(() => modelScriptFromObject([]), /must be a mapping with "steps"/);
  });

  it('the file in the README example loads', async () => {
    const readme = await readFile(new URL('../../../src/model/README.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'README.md has a yaml example');
    const script = parseModelScript(example, 'README.md');
    assert.ok(Object.keys(script.steps).length > 0);
  });
});
