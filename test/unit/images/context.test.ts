import assert from 'node:assert/strict';
import { chmod, mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashedArgs } from '../../../src/images/build-one.js';
import { hashContext, readContext, type ContextEntry } from '../../../src/images/context.js';

const PARENT = 'sha256:' + 'a'.repeat(64);

async function hashOf(dir: string, args: Record<string, string> = {}, parent = PARENT): Promise<string> {
  return hashContext(await readContext(dir), args, parent);
}

describe('build-context hashing', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wave-ctx-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await mkdir(path.join(dir, 'home'));
    await writeFile(path.join(dir, 'home', 'config.toml'), 'a = 1\n');
    await chmod(path.join(dir, 'home', 'config.toml'), 0o644);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('is deterministic: same tree, args and parent give the same 64-hex hash', async () => {
    const a = await hashOf(dir, { X: '1', Y: '2' });
    const b = await hashOf(dir, { Y: '2', X: '1' });
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, b, 'build-arg order must not matter');
  });

  it('lists entries sorted by path, with types and modes', async () => {
    const entries = await readContext(dir);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type]),
      [
        ['Dockerfile', 'file'],
        ['home', 'directory'],
        ['home/config.toml', 'file'],
      ],
    );
    assert.equal(entries.find((e) => e.path === 'home/config.toml')?.mode, 0o644);
  });

  it('changes when a file changes', async () => {
    const before = await hashOf(dir);
    await writeFile(path.join(dir, 'home', 'config.toml'), 'a = 2\n');
    const changed = await hashOf(dir);
    await writeFile(path.join(dir, 'home', 'config.toml'), 'a = 1\n');
    assert.notEqual(changed, before);
    assert.equal(await hashOf(dir), before, 'restoring the content restores the hash');
  });

  it('changes when a mode changes', async () => {
    const before = await hashOf(dir);
    await chmod(path.join(dir, 'home', 'config.toml'), 0o755);
    const changed = await hashOf(dir);
    await chmod(path.join(dir, 'home', 'config.toml'), 0o644);
    assert.notEqual(changed, before);
  });

  it('changes when a file moves (same content, new path)', async () => {
    const before = await hashOf(dir);
    await rename(path.join(dir, 'home', 'config.toml'), path.join(dir, 'home', 'config2.toml'));
    const changed = await hashOf(dir);
    await rename(path.join(dir, 'home', 'config2.toml'), path.join(dir, 'home', 'config.toml'));
    assert.notEqual(changed, before);
  });

  it('changes when a build argument or the parent image changes', async () => {
    const base = await hashOf(dir, { X: '1' });
    assert.notEqual(await hashOf(dir, { X: '2' }), base);
    assert.notEqual(await hashOf(dir, { X: '1', Y: '' }), base);
    assert.notEqual(await hashOf(dir, { X: '1' }, 'sha256:' + 'b'.repeat(64)), base);
  });

  it('hashes a symlink by its target, without following it', async () => {
    await symlink('home/config.toml', path.join(dir, 'link'));
    try {
      const entry = (await readContext(dir)).find((e) => e.path === 'link');
      assert.equal(entry?.type, 'symlink');
    } finally {
      await rm(path.join(dir, 'link'));
    }
  });

  it('covers in-memory files (an extra CA) and refuses one that shadows a file on disk', async () => {
    const plain = await hashOf(dir);
    const withCa = hashContext(
      await readContext(dir, [{ path: 'ca/x.crt', mode: 0o644, content: Buffer.from('pem') }]),
      {},
      PARENT,
    );
    const otherCa = hashContext(
      await readContext(dir, [{ path: 'ca/x.crt', mode: 0o644, content: Buffer.from('pem2') }]),
      {},
      PARENT,
    );
    assert.notEqual(withCa, plain);
    assert.notEqual(withCa, otherCa);
    await assert.rejects(
      readContext(dir, [{ path: 'Dockerfile', mode: 0o644, content: Buffer.from('x') }]),
      /exists on disk and in memory/,
    );
  });

  it('separates fields so a path cannot impersonate a digest', () => {
    const e = (p: string, digest: string): ContextEntry => ({ path: p, type: 'file', mode: 0o644, digest });
    assert.notEqual(hashContext([e('a', 'b0c')], {}, PARENT), hashContext([e('a\0b', '0c')], {}, PARENT));
  });

  it('leaves BASE_IMAGE and NPM_REGISTRY out of the hashed arguments', () => {
    assert.deepEqual(hashedArgs({ BASE_IMAGE: 'x', NPM_REGISTRY: 'https://example.invalid/', CLI_VERSION: '1' }), {
      CLI_VERSION: '1',
    });
  });
});

describe('declared build arguments', () => {
  it('finds every ARG name, with or without a default, across continuations', async () => {
    const { declaredArgs, onlyDeclared } = await import('../../../src/images/dockerfile.js');
    const names = declaredArgs(
      'ARG BASE_IMAGE=wave/base:latest\nFROM ${BASE_IMAGE}\narg A B=2 \\\n  C\nRUN echo ARG NOT_ME\n',
    );
    assert.deepEqual([...names].sort(), ['A', 'B', 'BASE_IMAGE', 'C']);
    assert.deepEqual(onlyDeclared({ BASE_IMAGE: 'x', NPM_REGISTRY: 'y' }, names), { BASE_IMAGE: 'x' });
  });
});
