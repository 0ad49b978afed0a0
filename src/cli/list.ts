// `wave list pipelines|personas|adapters`: a table, or JSON with -o json.
import path from 'node:path';
import { DEFAULT_PERSONA_NETWORK, TIER_NAMES, listPipelines, loadManifest, mapTier } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { printJson, table } from './render.js';
import { showValue } from '../config/problems.js';

const kinds = ['pipelines', 'personas', 'adapters'] as const;
type Kind = (typeof kinds)[number];

export async function listCommand(ctx: CliContext, what: string): Promise<number> {
  if (!(kinds as readonly string[]).includes(what)) {
    throw new WaveError('usage', `wave list: unknown list '${what}'`, { hint: `one of: ${kinds.join(', ')}, runs` });
  }
  const rows = await rowsFor(ctx, what as Kind);
  if (ctx.output === 'json') {
    printJson(rows);
  } else if (rows.length === 0) {
    process.stdout.write(`no ${what}\n`);
  } else {
    const headers = Object.keys(rows[0] ?? {});
    process.stdout.write(
      table(
        headers,
        rows.map((r) => headers.map((h) => cell(r[h]))),
      ),
    );
  }
  return 0;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(',');
  return showValue(value);
}

async function rowsFor(ctx: CliContext, kind: Kind): Promise<Array<Record<string, unknown>>> {
  if (kind === 'pipelines') {
    return (await listPipelines(ctx.projectDir)).map((p) => ({
      name: p.name,
      steps: p.steps,
      source: p.source,
      description: p.error ? `(invalid: ${p.error})` : (p.description ?? ''),
      path: path.relative(process.cwd(), p.path) || p.path,
    }));
  }
  const { manifest } = await loadManifest(ctx.manifestPath);
  if (kind === 'personas') {
    return Object.entries(manifest.personas).map(([name, p]) => ({
      name,
      adapter: p.adapter,
      model: p.model ?? '',
      network: p.sandbox?.network ?? DEFAULT_PERSONA_NETWORK,
      description: p.description ?? '',
    }));
  }
  return Object.entries(manifest.adapters).map(([name, a]) => ({
    name,
    cli: a.cli ?? '',
    binary: a.binary,
    image: a.image,
    default_model: a.default_model ?? '',
    // What each tier runs, wherever it comes from (tier_models, the CLI's built-in map, default_model).
    tiers: TIER_NAMES.map((tier) => {
      const mapped = mapTier(name, a, tier);
      return `${tier}=${mapped.model ?? '?'}${mapped.source === 'tier_models' ? '' : ` (${mapped.source})`}`;
    }).join(' '),
  }));
}
