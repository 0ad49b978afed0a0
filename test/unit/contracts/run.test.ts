// runContracts: contracts run in order; on_failure fail blocks the step, warn is recorded and the step passes,
// skip stops the evaluation (later contracts are not run) and the step passes. An unknown type is never a pass.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  knownContractTypes,
  runContracts,
  validateContractSpec,
  type ContractInput,
} from '../../../src/contracts/index.js';
import { context, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

const empty = (on_failure?: string) => ({
  type: 'non_empty_file',
  source: 'empty.txt',
  ...(on_failure ? { on_failure } : {}),
});
const full = { type: 'non_empty_file', source: 'full.txt' };

async function run(specs: ContractInput[]) {
  const out = await outFolder({ 'empty.txt': '', 'full.txt': 'x' });
  return runContracts(specs, context(out));
}

describe('runContracts', () => {
  it('all pass', async () => {
    const r = await run([full, { type: 'format', format: 'text', source: 'full.txt' }]);
    assert.equal(r.passed, true);
    assert.deepEqual(
      r.results.map((x) => [x.index, x.type, x.outcome, x.ok, x.hard]),
      [
        [0, 'non_empty_file', 'passed', true, false],
        [1, 'format', 'passed', true, false],
      ],
    );
    assert.deepEqual(r.notRun, []);
  });

  it('fail (the default) is hard, and the later contracts still run so every problem is reported', async () => {
    const r = await run([empty(), full, empty('fail')]);
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.results.map((x) => [x.outcome, x.hard, x.onFailure]),
      [
        ['failed', true, 'fail'],
        ['passed', false, 'fail'],
        ['failed', true, 'fail'],
      ],
    );
  });

  it('warn is soft: recorded with its errors, the step passes', async () => {
    const r = await run([empty('warn'), full]);
    assert.equal(r.passed, true);
    assert.equal(r.results[0]?.outcome, 'warned');
    assert.equal(r.results[0]?.ok, false);
    assert.equal(r.results[0]?.hard, false);
    assert.deepEqual(r.results[0]?.errors, [{ path: 'empty.txt', message: 'is empty (0 bytes)' }]);
    assert.equal(r.results.length, 2);
  });

  it('skip stops the evaluation: the remaining contracts are not run, the step passes', async () => {
    const r = await run([full, empty('skip'), empty('fail'), full]);
    assert.equal(r.passed, true);
    assert.deepEqual(
      r.results.map((x) => x.outcome),
      ['passed', 'skipped'],
    );
    assert.deepEqual(r.notRun, [
      { index: 2, type: 'non_empty_file' },
      { index: 3, type: 'non_empty_file' },
    ]);
  });

  it('a passing skip contract does not stop anything', async () => {
    const r = await run([{ ...full, on_failure: 'skip' }, empty()]);
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.results.map((x) => x.outcome),
      ['passed', 'failed'],
    );
  });

  it('a hard failure before a skip still fails the step', async () => {
    const r = await run([empty(), empty('skip'), full]);
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.results.map((x) => x.outcome),
      ['failed', 'skipped'],
    );
  });

  it('an unknown type is a load-time error and a hard failure at run time, even under warn', async () => {
    assert.deepEqual(validateContractSpec({ type: 'event_contains' }), [
      `unknown contract type 'event_contains' (known: ${knownContractTypes.join(', ')})`,
    ]);
    const r = await run([{ type: 'spec_derived_test', on_failure: 'warn' }]);
    assert.equal(r.passed, false);
    assert.equal(r.results[0]?.hard, true);
    assert.match(r.results[0]?.errors[0]?.message ?? '', /unknown contract type 'spec_derived_test'/);
  });

  it('validateContractSpec reports every problem of a spec', () => {
    assert.deepEqual(validateContractSpec(null), ['a contract must be a mapping with a type']);
    assert.deepEqual(validateContractSpec({}), [`a contract needs a type (one of: ${knownContractTypes.join(', ')})`]);
    assert.deepEqual(
      validateContractSpec({ type: 'json_schema', on_failure: 'later', command: 'make test', recover: 'yes' }),
      [
        "json_schema: on_failure 'later' must be one of: fail, warn, skip, rejected, rework",
        "json_schema: 'command' is only used by test_suite contracts",
        "json_schema: 'recover' must be true or false",
        'json_schema: needs schema_path or an inline schema',
      ],
    );
    assert.deepEqual(validateContractSpec({ type: 'json_schema', schema_path: 'a.json', schema: {} }), [
      'json_schema: use either schema_path or schema, not both',
    ]);
    assert.deepEqual(validateContractSpec({ type: 'typescript_interface' }), [
      "typescript_interface: 'schema_path' is required",
    ]);
    assert.deepEqual(validateContractSpec({ type: 'test_suite', timeout: 'soon' }), [
      "test_suite: 'command' is required",
      'test_suite: timeout \'soon\' is not a duration such as "30s" or "5m"',
    ]);
    assert.deepEqual(
      validateContractSpec({ type: 'test_suite', command: 'npm test', timeout: '90s', image: 'wave/base:latest' }),
      [],
    );
  });

  it('a cancelled signal stops the evaluation with a cancelled error', async () => {
    const out = await outFolder({ 'full.txt': 'x' });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runContracts([full], context(out, [], { signal: controller.signal })), {
      name: 'WaveError',
      code: 'cancelled',
    });
  });
});
