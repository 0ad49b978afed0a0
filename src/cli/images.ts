// `wave images build|list|prune`: thin wiring over src/images. Build progress is a line per step on a terminal
// and `progress` events with -o json.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultManifestPath, loadManifest } from '../config/index.js';
import type { BuildProgress, BuildResult } from '../images/index.js';
import type { CliContext } from './context.js';
import { buildProgressPrinter } from './image-progress.js';
import { elapsed, paint, printJson, table } from './render.js';

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

/** The whole time an image took; for a base whose parent had to be bootstrapped first, how much of it that was. */
export function buildTime(result: Pick<BuildResult, 'durationMs' | 'parentFetched'>): string {
  const fetched = result.parentFetched;
  const total = elapsed(result.durationMs);
  return fetched ? `${total} (${fetched.how} ${elapsed(fetched.durationMs)})` : total;
}

/** -o json: every message the build sends, as a `progress` event. */
function jsonProgress(e: BuildProgress): void {
  const count = e.step ? { current: e.step.index, total: e.step.total } : {};
  const time = new Date().toISOString();
  const event = { type: 'progress', time, phase: e.phase, image: e.image, message: e.message, ...count };
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

export async function imagesBuildCommand(ctx: CliContext, names: string[], opts: ImagesBuildOptions): Promise<number> {
  const { buildImages } = await import('../images/index.js');
  const facts = await manifestFacts(ctx);
  const extraCa = [...(opts.extraCa ?? []), ...(facts.extraCa ? [facts.extraCa] : [])];
  const label = (text: string): string => paint(ctx, 'dim', text);
  const onProgress =
    ctx.output === 'json'
      ? jsonProgress
      : buildProgressPrinter({ write: (text) => process.stderr.write(text), verbose: ctx.verbose, label });
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
    const rows = results.map((r) => [r.ref, r.status, mb(r.sizeBytes), buildTime(r)]);
    process.stdout.write(table(['image', 'status', 'size', 'time'], rows));
  }
  return 0;
}

export async function imagesListCommand(ctx: CliContext): Promise<number> {
  const { listImages } = await import('../images/index.js');
  const rows = await listImages({ adapterImages: (await manifestFacts(ctx)).adapterImages });
  if (ctx.output === 'json') printJson(rows);
  else if (rows.length === 0) process.stdout.write('no Wave images; build them with: wave images build\n');
  else
    process.stdout.write(
      table(
        ['image', 'tag', 'size', 'created', 'used by'],
        rows.map((r) => [
          r.repository,
          r.tag,
          mb(r.sizeBytes),
          r.created.toISOString().slice(0, 16).replace('T', ' '),
          r.usedBy.join(','),
        ]),
      ),
    );
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
