// typescript_interface: the output itself is type-checked against the interface (the original only compiled the
// interface file). Wrong field types, missing required fields and extra fields fail with the output's line.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkContractFiles, runContracts } from '../../../src/contracts/index.js';
import { context, FIXTURES, outFolder, removeOutFolders, resolvePath } from './_helpers.js';

after(removeOutFolders);

const spec = {
  type: 'typescript_interface',
  schema_path: 'interfaces/report.ts',
  interface: 'Report',
  source: 'report.json',
};

async function check(json: string, s: Record<string, unknown> = spec) {
  const out = await outFolder({ 'report.json': json });
  const run = await runContracts([{ type: 'typescript_interface', ...s }], context(out));
  const r = run.results[0];
  assert.ok(r);
  return r;
}

describe('typescript_interface', () => {
  it('passes an output assignable to the interface', async () => {
    const r = await check(
      '{"title": "A", "findings": [{"id": "F-1", "severity": "low", "location": {"file": "a.ts"}}]}',
    );
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, true);
    assert.equal(r.details.interface, 'Report');
  });

  it('reports a wrong field type at its line in the output', async () => {
    const json =
      '{\n  "title": "A",\n  "findings": [\n    {"id": "F-1", "severity": "urgent", "location": {"file": "a.ts"}}\n  ]\n}';
    const r = await check(json);
    assert.equal(r.ok, false);
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.match(r.errors[0]?.path ?? '', /^report\.json:4:\d+$/);
    assert.match(r.errors[0]?.message ?? '', /Type '"urgent"' is not assignable to type 'Severity'/);
  });

  it('reports a missing required field', async () => {
    const r = await check('{\n  "findings": []\n}');
    assert.equal(r.ok, false);
    assert.match(r.errors.map((e) => e.message).join('\n'), /Property 'title' is missing/);
  });

  it('reports an extra field (excess property check of the object literal)', async () => {
    const r = await check('{\n  "title": "A",\n  "findings": [],\n  "score": 3\n}');
    assert.equal(r.ok, false);
    assert.equal(r.errors[0]?.path, 'report.json:4:3');
    assert.match(r.errors[0]?.message ?? '', /'"?score"?' does not exist in type 'Report'/);
  });

  it('uses the only exported type when no interface is named', async () => {
    const ok = await check('{"name": "Ada", "words": 3}', {
      schema_path: 'interfaces/single.ts',
      source: 'report.json',
    });
    assert.equal(ok.ok, true, JSON.stringify(ok.errors));
    const bad = await check('{"name": "Ada", "words": "three"}', {
      schema_path: 'interfaces/single.ts',
      source: 'report.json',
    });
    assert.match(bad.errors[0]?.message ?? '', /Type 'string' is not assignable to type 'number'/);
  });

  it('is a hard configuration error when several types are exported and none is named', async () => {
    const r = await check('{}', { schema_path: 'interfaces/report.ts', source: 'report.json', on_failure: 'warn' });
    assert.equal(r.hard, true);
    assert.match(
      r.errors[0]?.message ?? '',
      /exports several types \(Severity, Finding, Report\): name one with 'interface'/,
    );
  });

  it('reports a JSON syntax error as such, with its position', async () => {
    const r = await check('{"title": "A",, "findings": []}');
    assert.equal(r.errors[0]?.path, 'report.json:1:15');
    assert.match(r.errors[0]?.message ?? '', /^invalid JSON/);
  });

  it("a broken interface file is a configuration error, not the output's fault", async () => {
    // Written at test time: as a fixture it would break the repository's own type check.
    const dir = await mkdtemp(path.join(tmpdir(), 'wave-iface-'));
    await writeFile(path.join(dir, 'broken.ts'), 'export interface Oops {\n  name: Strin;\n}\n');
    const out = await outFolder({ 'report.json': '{"name": "x"}' });
    const run = await runContracts(
      [{ type: 'typescript_interface', schema_path: 'broken.ts', source: 'report.json' }],
      context(out, [], { resolvePath: (p) => path.join(dir, p) }),
    );
    await rm(dir, { recursive: true, force: true });
    const r = run.results[0];
    assert.ok(r);
    assert.equal(r.hard, true);
    assert.match(r.errors[0]?.message ?? '', /does not compile: broken\.ts:2:9: Cannot find name 'Strin'/);
  });

  it('writes nothing next to the interface file', async () => {
    await check('{"title": "A", "findings": []}');
    const files = await readdir(path.join(FIXTURES, 'interfaces'));
    assert.deepEqual(files.sort(), ['report.ts', 'single.ts']);
  });

  it('checkContractFiles: the file exists and declares the interface', async () => {
    assert.deepEqual(await checkContractFiles(spec, resolvePath), []);
    assert.match(
      (await checkContractFiles({ ...spec, interface: 'Nope' }, resolvePath))[0] ?? '',
      /does not export a type named 'Nope' \(it exports: Severity, Finding, Report\)/,
    );
    assert.match(
      (await checkContractFiles({ ...spec, schema_path: 'interfaces/missing.ts' }, resolvePath))[0] ?? '',
      /not found/,
    );
  });
});
