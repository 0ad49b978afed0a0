// The tar stream sent to the engine: the context folder as it is on disk, plus the virtual files.
import type { Readable } from 'node:stream';
import type { VirtualFile } from './context.js';

export async function packContext(dir: string, extra: VirtualFile[]): Promise<Readable> {
  const tar = await import('tar-fs');
  return tar.pack(dir, {
    // Owner ids of the checkout mean nothing inside the image; COPY sets root ownership anyway.
    map: (header) => ({ ...header, uid: 0, gid: 0 }),
    finalize: extra.length === 0,
    finish: (pack) => {
      if (extra.length === 0) return;
      for (const file of extra) pack.entry({ name: file.path, mode: file.mode, uid: 0, gid: 0 }, file.content);
      pack.finalize();
    },
  }) as unknown as Readable;
}
