// The contract vocabulary is defined once (src/config/types.ts). The pipeline JSON Schema cannot import it, so
// this test keeps the schema's enums equal to it, and the registry implements every type it names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTRACT_TYPES, FILE_FORMATS, WRITTEN_ON_FAILURE_VALUES } from '../../../src/config/types.js';
import { schemaFile } from '../../../src/config/index.js';
import { isContractType, validateContractSpec } from '../../../src/contracts/index.js';

type EnumProperty = { enum: string[] };
const contract = (
  JSON.parse(readFileSync(schemaFile('pipeline'), 'utf8')) as {
    definitions: { contract: { properties: Record<string, EnumProperty> } };
  }
).definitions.contract.properties;

describe('contract vocabulary', () => {
  it('the pipeline schema lists exactly the contract types, on_failure values and formats', () => {
    assert.deepEqual(contract.type?.enum, [...CONTRACT_TYPES]);
    assert.deepEqual(contract.on_failure?.enum, WRITTEN_ON_FAILURE_VALUES);
    assert.deepEqual(contract.format?.enum, [...FILE_FORMATS]);
  });

  it('every contract type has an implementation, and nothing else is one', () => {
    for (const type of CONTRACT_TYPES) assert.ok(isContractType(type), type);
    assert.equal(isContractType('event_contains'), false);
    assert.match(validateContractSpec({ type: 'event_contains' }).join(), /unknown contract type/);
  });
});
