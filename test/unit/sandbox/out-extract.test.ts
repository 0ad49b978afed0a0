// Copying /wave/out out of its volume: the archive is hostile input. Limits (bytes counted as they arrive, entries,
// depth) and path safety (no links, devices, fifos, traversal, bad names) while extracting, and nothing partial
// left behind when refused.
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pack, type Header } from 'tar-stream';
import { describeBytes, extractOutputs } from '../../../src/sandbox/docker/out-extract.js';

type Entry = Partial<Header> & { name: string; body?: string | Buffer };
const quota = { maxBytes: 1024, maxFiles: 10, maxDepth: 4 };
const dirs: string[] = [];

/** An archive as the engine sends it for /wave/out: a root `out/` entry, then `out/…`. */
function archive(entries: Entry[], root = true): Readable {
  const p = pack();
  if (root) p.entry({ name: 'out/', type: 'directory', mode: 0o700 });
  for (const { body, ...header } of entries) {
    if (header.type && header.type !== 'file') p.entry(header);
    else p.entry({ mode: 0o644, ...header }, body ?? '');
  }
  p.finalize();
  return p as unknown as Readable;
}

async function dest(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wave-extract-'));
  dirs.push(dir);
  return dir;
}

async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const st = await lstat(join(dir, name));
    out.push(`${prefix}${name}${st.isDirectory() ? '/' : ''}`);
    if (st.isDirectory()) out.push(...(await tree(join(dir, name), `${prefix}${name}/`)));
  }
  return out;
}

async function refused(entries: Entry[], kind: 'quota' | 'unsafe', message: RegExp, limits = quota) {
  const dir = await dest();
  await writeFile(join(dir, 'stale'), 'from before');
  const outcome = await extractOutputs(archive(entries), dir, limits);
  assert.equal(outcome.ok, false, `expected a refusal for ${JSON.stringify(entries.map((e) => e.name))}`);
  if (outcome.ok) return;
  assert.equal(outcome.refusal.kind, kind);
  assert.match(outcome.refusal.message, message);
  assert.deepEqual(await readdir(dir), [], 'nothing partial is kept');
}

describe('extractOutputs', () => {
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes directories and regular files, replacing what was there; modes without setuid or group write', async () => {
    const dir = await dest();
    await writeFile(join(dir, 'stale'), 'from before');
    const outcome = await extractOutputs(
      archive([
        { name: 'out/reports/', type: 'directory', mode: 0o777 },
        { name: 'out/reports/a.txt', body: 'hello', mode: 0o4777 },
        { name: 'out/empty', body: '', mode: 0o400 },
      ]),
      dir,
      quota,
    );
    assert.deepEqual(outcome, { ok: true, files: 2, directories: 1, bytes: 5 });
    assert.deepEqual(await tree(dir), ['empty', 'reports/', 'reports/a.txt']);
    assert.equal(await readFile(join(dir, 'reports/a.txt'), 'utf8'), 'hello');
    const mode = (await lstat(join(dir, 'reports/a.txt'))).mode & 0o7777;
    assert.equal(mode & 0o7022, 0, `mode ${mode.toString(8)}`);
    assert.equal((await lstat(join(dir, 'empty'))).mode & 0o600, 0o600, 'always readable and writable by the owner');
  });

  it('accepts exactly the quota: bytes and entries', async () => {
    const dir = await dest();
    const files = Array.from({ length: 10 }, (_, i) => ({
      name: `out/f${i}`,
      body: Buffer.alloc(i === 0 ? 1024 - 9 : 1),
    }));
    const outcome = await extractOutputs(archive(files), dir, quota);
    assert.deepEqual(outcome, { ok: true, files: 10, directories: 0, bytes: 1024 });
  });

  it('refuses one byte over the byte quota, naming resources.out_size', async () => {
    await refused(
      [
        { name: 'out/a', body: Buffer.alloc(1000) },
        { name: 'out/b', body: Buffer.alloc(25) },
      ],
      'quota',
      /output quota of 1 KiB \(resources.out_size\)/,
    );
  });

  it('refuses one entry over the file quota (directories count), naming resources.out_files', async () => {
    const entries = [
      { name: 'out/d/', type: 'directory' as const },
      ...Array.from({ length: 10 }, (_, i) => ({ name: `out/d/f${i}` })),
    ];
    await refused(entries, 'quota', /quota of 10 files and directories \(resources.out_files\)/);
  });

  it('stops reading at the quota: a huge archive is not drained', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024);
    const p = pack();
    p.entry({ name: 'out/', type: 'directory' });
    // A 1 GiB file whose bytes are produced only as they are read.
    const sink = p.entry({ name: 'out/big', size: 1024 ** 3, mode: 0o644 });
    const source = new Readable({
      read() {
        sent += chunk.length;
        this.push(chunk);
      },
    });
    sink.on('error', () => undefined); // closed by the refusal, as it should be
    p.on('error', () => undefined);
    source.pipe(sink);
    const dir = await dest();
    const outcome = await extractOutputs(p as unknown as Readable, dir, {
      maxBytes: 1024 * 1024,
      maxFiles: 10,
      maxDepth: 4,
    });
    source.destroy();
    assert.equal(outcome.ok, false);
    assert.ok(sent < 64 * 1024 * 1024, `read ${sent} bytes of a 1 GiB archive for a 1 MiB quota`);
    assert.deepEqual(await readdir(dir), []);
  });

  for (const [what, entry, message] of [
    ['a symbolic link', { name: 'out/passwd', type: 'symlink', linkname: '/etc/passwd' }, /"passwd".*symbolic link/],
    ['a hard link', { name: 'out/b', type: 'link', linkname: 'out/a' }, /"b".*hard link/],
    ['a fifo', { name: 'out/pipe', type: 'fifo' }, /"pipe".*fifo/],
    ['a character device', { name: 'out/null', type: 'character-device', devmajor: 1, devminor: 3 }, /"null".*device/],
    ['a block device', { name: 'out/sda', type: 'block-device', devmajor: 8, devminor: 0 }, /"sda".*device/],
    ['a path that climbs out', { name: 'out/../../etc/x', body: 'x' }, /traversal/],
    ['a name outside out/', { name: 'etc/passwd', body: 'x' }, /outside \/wave\/out/],
    ['an absolute name', { name: '/etc/passwd', body: 'x' }, /outside \/wave\/out/],
    ['a control character in a name', { name: 'out/a\nb', body: 'x' }, /control character/],
    ['nesting deeper than the limit', { name: 'out/1/2/3/4/5/', type: 'directory' }, /nested deeper than 4/],
  ] as [string, Entry, RegExp][]) {
    it(`refuses ${what}, naming it, and keeps nothing`, async () => {
      await refused([{ name: 'out/a', body: 'a' }, entry], 'unsafe', message);
    });
  }

  it('refuses a name that appears twice instead of replacing the first', async () => {
    await refused(
      [
        { name: 'out/a', body: 'one' },
        { name: 'out/a', body: 'two' },
      ],
      'unsafe',
      /"a".*twice/,
    );
  });

  it('refuses a file where a directory is, and a file below a file', async () => {
    await refused(
      [
        { name: 'out/d/', type: 'directory' },
        { name: 'out/d', body: 'x' },
      ],
      'unsafe',
      /twice/,
    );
    await refused(
      [
        { name: 'out/f', body: 'x' },
        { name: 'out/f/g', body: 'y' },
      ],
      'unsafe',
      /twice/,
    );
  });

  it('accepts long names (PAX or prefixed headers) inside out/', async () => {
    const dir = await dest();
    const deep = `out/${'d'.repeat(90)}/${'é'.repeat(60)}.txt`;
    const outcome = await extractOutputs(
      archive([
        { name: `out/${'d'.repeat(90)}/`, type: 'directory' },
        { name: deep, body: 'x' },
      ]),
      dir,
      quota,
    );
    assert.equal(outcome.ok, true);
    assert.deepEqual(await tree(dir), [`${'d'.repeat(90)}/`, `${'d'.repeat(90)}/${'é'.repeat(60)}.txt`]);
  });

  it('refuses a name whose bytes are not UTF-8', async () => {
    // A ustar header written by hand: tar-stream's packer only writes UTF-8 names.
    const header = Buffer.alloc(512);
    header.write('out/bad\xff', 0, 'latin1');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('00000000000\0', 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\x0000', 257, 'latin1');
    header.fill(' ', 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const p = pack();
    p.entry({ name: 'out/', type: 'directory' });
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
    const packed = Buffer.concat(chunks);
    const bytes = Buffer.concat([packed.subarray(0, 512), header, Buffer.alloc(1024)]);
    const dir = await dest();
    const outcome = await extractOutputs(Readable.from([bytes]), dir, quota);
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.refusal.message, /not valid UTF-8/);
  });

  it('describes quotas as they are written', () => {
    assert.equal(describeBytes(1024 ** 3), '1 GiB');
    assert.equal(describeBytes(8 * 1024 ** 2), '8 MiB');
    assert.equal(describeBytes(1536), '1536 bytes');
  });

  it('leaves dest itself in place (a mount point or a prepared folder)', async () => {
    const dir = await dest();
    await mkdir(join(dir, 'sub'));
    await extractOutputs(archive([]), dir, quota);
    assert.deepEqual(await readdir(dir), []);
    assert.ok((await lstat(dir)).isDirectory());
  });
});
