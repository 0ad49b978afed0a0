// `wave images build|list|prune`: thin wiring over src/images. Build progress is a line per step on a terminal
// and `progress` events with -o json.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultManifestPath, loadManifest } from '../config/index.js';
import type { BuildProgress } from '../images/index.js';
import type { CliContext } from './context.js';
import { paint, printJson, table } from './render.js';

export interface ImagesBuildOptions {
  baseImage?: string;
  extraCa?: string[];
  noCache?: boolean;
  bootstrapBase?: boolean;
}

/** The project's manifest (or the defaults): which image each adapter uses, and the CA bundle to trust. */
async function manifestFacts(ctx: CliContext): Promise<{ adapterImages: Record<string, string>; extraCa?: string }> {
  const file = existsSync(ctx.manifestPath) ? ctx.manifestPath : defaultManifestPath();
  try {
    const { manifest, projectDir } = await loadManifest(file);
    const ca = manifest.runtime.sandbox.extra_ca_certs;
    return {
      adapterImages: Object.fromEntries(Object.entries(manifest.adapters).map(([name, a]) => [name, a.image])),
      ...(ca ? { extraCa: path.resolve(projectDir, ca) } : {}),
    };
  } catch {
    return { adapterImages: {} };
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

export async function imagesBuildCommand(ctx: CliContext, names: string[], opts: ImagesBuildOptions): Promise<number> {
  const { buildImages } = await import('../images/index.js');
  const facts = await manifestFacts(ctx);
  const extraCa = [...(opts.extraCa ?? []), ...(facts.extraCa ? [facts.extraCa] : [])];
  const onProgress = (e: BuildProgress) => {
    if (ctx.output === 'json') {
      process.stdout.write(JSON.stringify({ type: 'progress', time: new Date().toISOString(), phase: e.phase, image: e.image, message: e.message, ...(e.step ? { current: e.step.index, total: e.step.total } : {}) }) + '\n');
    } else if (e.step) {
      process.stderr.write(`${paint(ctx, 'dim', `[${e.image} ${e.step.index}/${e.step.total}]`)} ${e.step.instruction.slice(0, 100)}\n`);
    } else if (ctx.verbose || e.phase !== 'build') {
      process.stderr.write(`${paint(ctx, 'dim', `[${e.image}]`)} ${e.message}\n`);
    }
  };
  const results = await buildImages(
    {
      names,
      ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
      ...(extraCa.length ? { extraCa } : {}),
      noCache: Boolean(opts.noCache),
      bootstrapBase: Boolean(opts.bootstrapBase),
    },
    onProgress,
  );
  if (ctx.output === 'json') {
    for (const r of results) process.stdout.write(JSON.stringify({ type: 'image_built', ...r }) + '\n');
  } else {
    process.stdout.write(table(['image', 'status', 'size', 'time'], results.map((r) => [r.ref, r.status, mb(r.sizeBytes), `${(r.durationMs / 1000).toFixed(1)}s`])));
  }
  return 0;
}

export async function imagesListCommand(ctx: CliContext): Promise<number> {
  const { listImages } = await import('../images/index.js');
  const rows = await listImages({ adapterImages: (await manifestFacts(ctx)).adapterImages });
  if (ctx.output === 'json') printJson(rows);
  else if (rows.length === 0) process.stdout.write('no Wave images; build them with: wave images build\n');
  else process.stdout.write(table(['image', 'tag', 'size', 'created', 'used by'], rows.map((r) => [r.repository, r.tag, mb(r.sizeBytes), r.created.toISOString().slice(0, 16).replace('T', ' '), r.usedBy.join(',')])));
  return 0;
}

export async function imagesPruneCommand(ctx: CliContext, opts: { dryRun?: boolean }): Promise<number> {
  const { pruneImages } = await import('../images/index.js');
  const result = await pruneImages({ dryRun: Boolean(opts.dryRun) });
  if (ctx.output === 'json') printJson(result);
  else {
    for (const ref of result.removed) process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${ref}\n`);
    for (const ref of result.inUse) process.stdout.write(`kept ${ref} (used by a container)\n`);
    for (const f of result.failed) process.stdout.write(`could not remove ${f.ref}: ${f.reason}\n`);
    if (!result.removed.length) process.stdout.write('nothing to prune\n');
  }
  return result.failed.length ? 6 : 0;
}
