// The checkpoint schema shipped in defaults/contracts, checked as the relay checks it (a json_schema contract), and
// the section a fresh instance gets.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import path from 'node:path';
import { projectFile } from '../../../src/config/index.js';
import { runContracts } from '../../../src/contracts/index.js';
import {
  CHECKPOINT_FILE,
  CHECKPOINT_SCHEMA_PATH,
  checkpointSection,
  type Checkpoint,
} from '../../../src/engine/relay-checkpoint.js';
import { tempProject } from '../config/_helpers.js';

const GOOD: Checkpoint = {
  goal: 'add the parser',
  done: ['wrote src/parse.ts'],
  remaining: ['tests'],
  files_touched: ['src/parse.ts'],
  decisions: ['no new dependency'],
  open_questions: [],
};

async function check(value: unknown): Promise<boolean> {
  const dir = await tempProject();
  writeFileSync(path.join(dir, CHECKPOINT_FILE), JSON.stringify(value));
  const run = await runContracts(
    [{ type: 'json_schema', schema_path: CHECKPOINT_SCHEMA_PATH, source: CHECKPOINT_FILE }],
    {
      outDir: dir,
      outputs: [{ name: 'checkpoint', path: CHECKPOINT_FILE }],
      resolvePath: (p) => projectFile(p, dir),
    },
  );
  return run.passed;
}

describe('the checkpoint schema', () => {
  it('accepts a full checkpoint', async () => {
    assert.equal(await check(GOOD), true);
  });
  it('refuses one without a field, with an unknown field, or with a field of the wrong type', async () => {
    const { remaining: _r, ...missing } = GOOD;
    assert.equal(await check(missing), false);
    assert.equal(await check({ ...GOOD, notes: 'x' }), false);
    assert.equal(await check({ ...GOOD, done: 'all of it' }), false);
    assert.equal(await check({ ...GOOD, goal: '' }), false);
  });
});

describe('checkpointSection', () => {
  it('names the relay and carries the checkpoint as JSON', () => {
    const section = checkpointSection(GOOD, 2);
    assert.match(section, /## Checkpoint \(context relay 2\)/);
    assert.ok(section.includes(JSON.stringify(GOOD, null, 2)));
  });
});
