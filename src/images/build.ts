// `wave images build`: resolves what to build and in which order, then builds each image (or reuses the one
// whose context hash matches) and moves `latest` to it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { buildOne } from './build-one.js';
import { onlyDeclared, readDeclaredArgs } from './dockerfile.js';
import { BASE, DEFAULT_NAMESPACE, defaultCatalog, imageRefFor } from './catalog.js';
import type { VirtualFile } from './context.js';
import { connectEngine, imageIdOf } from './engine.js';
import { extraCaFiles } from './extra-ca.js';
import { missingImageHint } from './hint.js';
import { hostNpmRegistry } from './npm-registry.js';
import { planBuild } from './order.js';
import { resolveOsBase, type OsBase } from './os-base.js';
import type { BuildOptions, BuildResult, ImageSpec, ProgressListener } from './types.js';

export async function buildImages(
  opts: BuildOptions = {},
  onProgress: ProgressListener = () => {},
): Promise<BuildResult[]> {
  const docker = await connectEngine(opts.docker);
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const catalog = opts.catalog ?? defaultCatalog();
  const caFiles = await extraCaFiles(opts.extraCa ?? []);

  const present = new Map<string, boolean>();
  for (const spec of catalog)
    present.set(spec.name, (await imageIdOf(docker, imageRefFor(spec.name, namespace))) !== undefined);
  // The extra CA lives in the base image: asking for it means rebuilding base (its hash changes anyway).
  const alsoBuild = caFiles.length > 0 ? [BASE] : [];
  const plan = planBuild(catalog, opts.names ?? [], (name) => present.get(name) === true, alsoBuild);
  onProgress({
    image: plan.map((s) => s.name).join(','),
    phase: 'plan',
    message: `images: ${plan.map((s) => s.name).join(' → ')}`,
  });

  let registry: Promise<string | undefined> | undefined;
  const npmRegistry = (): Promise<string | undefined> =>
    (registry ??= opts.npmRegistry !== undefined ? Promise.resolve(opts.npmRegistry) : hostNpmRegistry());

  const built = new Map<string, BuildResult>();
  const results: BuildResult[] = [];
  for (const spec of plan) {
    const started = Date.now();
    const parent = await resolveParent(docker, spec, namespace, built, opts, caFiles, onProgress);
    const buildArgs: Record<string, string> = { BASE_IMAGE: parent.ref };
    let extraFiles: VirtualFile[] = [];
    if (spec.parent.kind === 'os') extraFiles = caFiles;
    else if ((await readDeclaredArgs(spec.dir)).has('NPM_REGISTRY')) {
      const reg = await npmRegistry();
      if (reg !== undefined) buildArgs.NPM_REGISTRY = reg;
    }
    const args = onlyDeclared(buildArgs, await readDeclaredArgs(spec.dir));
    const request = { spec, namespace, parent, buildArgs: args, extraFiles, noCache: opts.noCache === true };
    const image = await buildOne(docker, request, onProgress);
    const fetched = parent.fetched ? { parentFetched: parent.fetched } : {};
    const result: BuildResult = { ...image, durationMs: Date.now() - started, ...fetched };
    built.set(spec.name, result);
    results.push(result);
  }
  return results;
}

async function resolveParent(
  docker: Docker,
  spec: ImageSpec,
  namespace: string,
  built: Map<string, BuildResult>,
  opts: BuildOptions,
  caFiles: VirtualFile[],
  emit: ProgressListener,
): Promise<OsBase> {
  const parent = spec.parent;
  if (parent.kind === 'os') {
    const caBundle = await writeCaBundle(caFiles);
    try {
      return await resolveOsBase(
        docker,
        {
          baseImage: opts.baseImage,
          bootstrap: opts.bootstrapBase === true,
          baseDir: spec.dir,
          extraCaFile: caBundle?.file,
          image: spec.name,
        },
        emit,
      );
    } finally {
      if (caBundle) await rm(caBundle.dir, { recursive: true, force: true });
    }
  }
  if (parent.kind === 'wave') {
    const fresh = built.get(parent.name);
    if (fresh) return { ref: fresh.ref, id: fresh.imageId };
  }
  const ref = parent.kind === 'wave' ? imageRefFor(parent.name, namespace) : parent.ref;
  const id = await imageIdOf(docker, ref);
  if (id === undefined) {
    throw new WaveError('image_missing', `${spec.name} builds FROM ${ref}, which is missing`, {
      hint: missingImageHint(ref, namespace),
    });
  }
  return { ref, id };
}

/** bootstrap-rootfs.sh trusts one PEM file (WAVE_EXTRA_CA): the CA bundles joined, in a private temp dir. */
async function writeCaBundle(caFiles: VirtualFile[]): Promise<{ dir: string; file: string } | undefined> {
  if (caFiles.length === 0) return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wave-ca-'));
  const file = path.join(dir, 'extra-ca.crt');
  await writeFile(file, Buffer.concat(caFiles.flatMap((f) => [f.content, Buffer.from('\n')])), { mode: 0o644 });
  return { dir, file };
}
