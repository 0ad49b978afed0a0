// The base image's FROM: an explicit --base-image, else the public Debian image when it is present, else an
// earlier bootstrap. When none is present: bootstrap it (--bootstrap-base) or pull it.
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { BOOTSTRAP_TAG, bootstrapBaseImage } from './bootstrap.js';
import { imageIdOf } from './engine.js';
import type { ParentFetch, ProgressListener } from './types.js';

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

export interface OsBase {
  ref: string;
  id: string;
  /** Set when this build had to get it first: how, and how long that took (a bootstrap takes minutes). */
  fetched?: ParentFetch;
}

export async function resolveOsBase(docker: Docker, req: OsBaseRequest, emit: ProgressListener): Promise<OsBase> {
  const candidates = req.baseImage !== undefined ? [req.baseImage] : [DEFAULT_OS_IMAGE, BOOTSTRAP_TAG];
  for (const ref of candidates) {
    const id = await imageIdOf(docker, ref);
    if (id !== undefined) return { ref, id };
  }
  const target = req.baseImage ?? (req.bootstrap ? BOOTSTRAP_TAG : DEFAULT_OS_IMAGE);
  const started = Date.now();
  if (req.bootstrap) {
    emit({
      image: req.image,
      phase: 'bootstrap',
      message: `${target} is not present: bootstrapping it from Debian's packages`,
    });
    await bootstrapBaseImage(req.baseDir, target, req.extraCaFile, (line) =>
      emit({ image: req.image, phase: 'bootstrap', message: line }),
    );
  } else {
    await pull(docker, target, req.image, emit);
  }
  const id = await imageIdOf(docker, target);
  if (id === undefined) throw new WaveError('image_missing', `${target} is still missing after fetching it`);
  const how = req.bootstrap ? 'bootstrap' : 'pull';
  return { ref: target, id, fetched: { ref: target, how, durationMs: Date.now() - started } };
}

async function pull(docker: Docker, ref: string, image: string, emit: ProgressListener): Promise<void> {
  emit({ image, phase: 'pull', message: `pulling ${ref}` });
  // The engine reports every chunk of every layer ("Downloading" hundreds of times): a layer's line is news only
  // when its status changes.
  const layerStatus = new Map<string, string>();
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
          if (event.status === undefined || layerStatus.get(event.id ?? '') === event.status) return;
          layerStatus.set(event.id ?? '', event.status);
          emit({ image, phase: 'pull', message: `${event.status}${event.id ? ` ${event.id}` : ''}` });
        },
      );
    });
  } catch (err) {
    throw new WaveError(
      'image_missing',
      `the base image's parent ${ref} is not present and cannot be pulled: ${(err as Error).message}`,
      {
        hint: 'without a reachable registry run: wave images build base --bootstrap-base   (or pass --base-image REF of a local image)',
        cause: err,
      },
    );
  }
}
