// Blobs written by Wave itself from files it opened without following links: git is never asked to read a path
// in a tree a step wrote (a link there could name any file of the host, and git would follow it).
import { createHash, randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createDeflate, deflateSync } from 'node:zlib';
import type { WaveGit } from './store.js';

function header(size: number): Buffer {
  return Buffer.from(`blob ${size}\0`);
}

function objectPath(store: WaveGit, sha: string): string {
  return path.join(store.gitDir, 'objects', sha.slice(0, 2), sha.slice(2));
}

/** Writes a blob of `content` (a link's target) and returns its id. */
export async function writeBlob(store: WaveGit, content: Buffer): Promise<string> {
  const sha = createHash('sha1').update(header(content.length)).update(content).digest('hex');
  const target = objectPath(store, sha);
  if (await exists(target)) return sha;
  await place(target, async (tmp) => fs.writeFile(tmp, deflateSync(Buffer.concat([header(content.length), content]))));
  return sha;
}

/**
 * The blob id of the regular file `file` (opened with O_NOFOLLOW), written when git lacks it. `known`: the id the
 * path had in the base, so an unchanged file is only hashed.
 */
export async function writeFileBlob(store: WaveGit, file: string, size: number, known?: string): Promise<string> {
  const sha = await hashFile(file, size);
  if (sha === known || (await exists(objectPath(store, sha)))) return sha;
  await place(objectPath(store, sha), async (tmp) => {
    const check = createHash('sha1').update(header(size));
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        check.update(chunk);
        done(null, chunk);
      },
    });
    const deflate = createDeflate();
    deflate.write(header(size));
    await pipeline(await openNoFollow(file), tee, deflate, createWriteStream(tmp));
    if (check.digest('hex') !== sha) throw new Error(`${file} changed while Wave read it`);
  });
  return sha;
}

async function hashFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(header(size));
  let read = 0;
  for await (const chunk of await openNoFollow(file)) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  if (read !== size) throw new Error(`${file} changed while Wave read it`);
  return hash.digest('hex');
}

/** A stream of a file opened without following a link (the stream closes the file when it ends). */
async function openNoFollow(file: string): Promise<NodeJS.ReadableStream> {
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  return handle.createReadStream();
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** Writes through a temporary file and renames it into place, so a reader never sees half an object. */
async function place(target: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await write(tmp);
    await fs.chmod(tmp, 0o444);
    await fs.rename(tmp, target);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
