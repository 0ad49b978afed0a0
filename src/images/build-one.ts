// Builds one image through the Engine API, unless an image with the same context hash already exists.
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { hashTagFor, splitRef } from './catalog.js';
import { hashContext, readContext, type VirtualFile } from './context.js';
import { imageIdOf } from './engine.js';
import { packContext } from './pack.js';
import { packageVersion } from './paths.js';
import { BuildStreamParser } from './progress.js';
import type { BuildResult, ImageSpec, ProgressListener } from './types.js';

/**
 * Build arguments that do not change what is built, so they stay out of the hash: BASE_IMAGE is covered by
 * the parent's image id (which is exact, where the reference may be `latest` or a hash tag of the same
 * image), and NPM_REGISTRY only says where the pinned packages are fetched from.
 */
export const UNHASHED_BUILD_ARGS: ReadonlySet<string> = new Set(['BASE_IMAGE', 'NPM_REGISTRY']);

export interface BuildOneRequest {
  spec: ImageSpec;
  namespace: string;
  parent: { ref: string; id: string };
  buildArgs: Record<string, string>;
  extraFiles: VirtualFile[];
  noCache: boolean;
}

export function hashedArgs(args: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).filter(([k]) => !UNHASHED_BUILD_ARGS.has(k)));
}

/** One image's result; its time is the caller's to measure, since getting the parent counts too. */
export type BuiltImage = Omit<BuildResult, 'durationMs' | 'parentFetched'>;

export async function buildOne(docker: Docker, req: BuildOneRequest, emit: ProgressListener): Promise<BuiltImage> {
  const { spec, namespace } = req;
  const entries = await readContext(spec.dir, req.extraFiles);
  const hash = hashContext(entries, hashedArgs(req.buildArgs), req.parent.id);
  const ref = hashTagFor(spec.name, hash, namespace);
  const latestRef = `${namespace}/${spec.name}:latest`;
  emit({
    image: spec.name,
    phase: 'hash',
    message: `context ${hash.slice(0, 12)} (${entries.length} entries, FROM ${req.parent.ref})`,
  });

  let imageId = req.noCache ? undefined : await imageIdOf(docker, ref);
  const status: BuildResult['status'] = imageId === undefined ? 'built' : 'cached';
  if (imageId === undefined) {
    imageId = await runBuild(docker, req, ref, hash, emit);
  } else {
    emit({ image: spec.name, phase: 'cached', message: `${ref} is up to date` });
  }
  const { repository, tag } = splitRef(latestRef);
  await docker.getImage(imageId).tag({ repo: repository, tag });
  emit({ image: spec.name, phase: 'tag', message: `${latestRef} → ${ref}` });
  const info = await docker.getImage(imageId).inspect();
  const result: BuiltImage = {
    name: spec.name,
    ref,
    latestRef,
    imageId,
    hash: hash.slice(0, 12),
    status,
    sizeBytes: info.Size,
  };
  emit({ image: spec.name, phase: 'done', message: `${status} ${ref} (${(info.Size / 1e6).toFixed(0)} MB)` });
  return result;
}

async function runBuild(
  docker: Docker,
  req: BuildOneRequest,
  ref: string,
  hash: string,
  emit: ProgressListener,
): Promise<string> {
  const { spec } = req;
  emit({ image: spec.name, phase: 'build', message: `building ${ref}` });
  const context = await packContext(spec.dir, req.extraFiles);
  const parser = new BuildStreamParser(spec.name, emit);
  try {
    const stream = await docker.buildImage(context, {
      t: ref,
      buildargs: req.buildArgs,
      nocache: req.noCache,
      // The parent is resolved (and present) before the build; never let the builder reach for a registry.
      pull: false,
      rm: true,
      forcerm: true,
      // Labels find Wave's builds again (prune); images built FROM one inherit them until they set their own.
      labels: {
        'wave.image': spec.name,
        'wave.namespace': req.namespace,
        'wave.context-hash': hash,
        'wave.version': packageVersion(),
      },
    });
    for await (const chunk of stream as AsyncIterable<Buffer>) parser.write(chunk);
  } catch (err) {
    throw new WaveError('sandbox_failed', `building ${ref} failed: ${(err as Error).message}`, { cause: err });
  }
  const outcome = parser.end();
  if (outcome.error !== undefined) {
    const where = outcome.failedStep !== undefined ? ` at ${outcome.failedStep}` : '';
    throw new WaveError('sandbox_failed', `building ${spec.name} failed${where}: ${outcome.error}`, {
      details: outcome.stepOutput,
      hint: failureHint(outcome.stepOutput, spec.dir),
    });
  }
  // The tag is authoritative: the aux/"Successfully built" id is a convenience the stream may not carry.
  const id = await imageIdOf(docker, ref);
  if (id === undefined) throw new WaveError('sandbox_failed', `building ${ref} finished without an image`);
  return id;
}

/** A TLS-inspecting network is the usual reason a fetch fails in the build: say how to trust its CA. */
export function failureHint(output: string[], contextDir: string): string {
  const text = output.join('\n');
  if (
    /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate verify failed|self[- ]signed certificate/i.test(
      text,
    )
  ) {
    return 'TLS verification failed inside the build: if your network inspects TLS, rebuild with its CA, e.g. wave images build --extra-ca /etc/ssl/certs/ca-certificates.crt';
  }
  return `the build context is ${contextDir}; retry with --no-cache if a cached layer is stale`;
}
