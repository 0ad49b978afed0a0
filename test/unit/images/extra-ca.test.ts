import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { extraCaFiles } from '../../../src/images/extra-ca.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM2 = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';

describe('--extra-ca', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const file = async (content: string): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wave-ca-test-'));
    dirs.push(dir);
    const f = path.join(dir, 'ca.pem');
    await writeFile(f, content);
    return f;
  };

  it('adds each bundle once under ca/, named by its content', async () => {
    const a = await file(PEM);
    const b = await file(PEM);
    const files = await extraCaFiles([a, b]);
    assert.equal(files.length, 1);
    assert.match(files[0]?.path ?? '', /^ca\/wave-extra-[0-9a-f]{16}\.crt$/);
    assert.equal(files[0]?.mode, 0o644);
  });

  it('splits a bundle into one file per certificate, dropping text around them', async () => {
    const files = await extraCaFiles([await file(`# corp roots\n${PEM}\nsubject=x\n${PEM2}`), await file(PEM2)]);
    assert.deepEqual(
      files.map((f) => f.content.toString()),
      [PEM, PEM2],
    );
  });

  it('refuses a file that is not PEM, and a missing file', async () => {
    await assert.rejects(extraCaFiles([await file('not a cert')]), /not a PEM certificate bundle/);
    await assert.rejects(
      extraCaFiles(['/nonexistent/ca.pem']),
      (err: Error & { code?: string }) => err.code === 'file_not_found',
    );
  });
});
