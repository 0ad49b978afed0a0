// The base image's FROM: an explicit --base-image, else the public Debian image when it is present, else an
// earlier bootstrap. When none is present: bootstrap it (--bootstrap-base) or pull it.
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { BOOTSTRAP_TAG, bootstrapBaseImage } from './bootstrap.js';
import { imageIdOf } from './engine.js';
import type { ProgressListener } from './types.js';

export const DEFAULT_OS_IMAGE = 'debian:trixie-slim';

export interface OsBaseRequest {
  baseImage: string | undefined;
  bootstrap: boolean;
  /** The base image's context folder (holds bootstrap-rootfs.sh). */
  baseDir: string;
  /** One PEM bundle to trust inside the bootstrap chroot. */
  extraCaFile: string | undefined;
  image: string;
}

export async function resolveOsBase(
  docker: Docker,
  req: OsBaseRequest,
  emit: ProgressListener,
): Promise<{ ref: string; id: string }> {
  const candidates = req.baseImage !== undefined ? [req.baseImage] : [DEFAULT_OS_IMAGE, BOOTSTRAP_TAG];
  for (const ref of candidates) {
    const id = await imageIdOf(docker, ref);
    if (id !== undefined) return { ref, id };
  }
  const target = req.baseImage ?? (req.bootstrap ? BOOTSTRAP_TAG : DEFAULT_OS_IMAGE);
  if (req.bootstrap) {
    emit({ image: req.image, phase: 'bootstrap', message: `${target} is not present: bootstrapping it from Debian's packages` });
    await bootstrapBaseImage(req.baseDir, target, req.extraCaFile, (line) =>
      emit({ image: req.image, phase: 'bootstrap', message: line }),
    );
  } else {
    await pull(docker, target, req.image, emit);
  }
  const id = await imageIdOf(docker, target);
  if (id === undefined) throw new WaveError('image_missing', `${target} is still missing after fetching it`);
  return { ref: target, id };
}

async function pull(docker: Docker, ref: string, image: string, emit: ProgressListener): Promise<void> {
  emit({ image, phase: 'pull', message: `pulling ${ref}` });
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, output: { error?: string }[]) => {
          const failed = err ?? output.find((o) => o.error !== undefined)?.error;
          if (failed) reject(failed instanceof Error ? failed : new Error(failed));
          else resolve();
        },
        (event: { status?: string; id?: string }) => {
          if (event.status !== undefined) emit({ image, phase: 'pull', message: `${event.status}${event.id ? ` ${event.id}` : ''}` });
        },
      );
    });
  } catch (err) {
    throw new WaveError('image_missing', `the base image's parent ${ref} is not present and cannot be pulled: ${(err as Error).message}`, {
      hint: 'without a reachable registry run: wave images build base --bootstrap-base   (or pass --base-image REF of a local image)',
      cause: err,
    });
  }
}
