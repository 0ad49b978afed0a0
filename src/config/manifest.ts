// Loads wave.yaml: YAML with positions → JSON Schema → checks that need more than one node (persona → adapter,
// system prompt files on disk, tiers) → defaults applied.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { KNOWN_CLIS, cliOf, mapTier } from './clis.js';
import { credentialRefusal, isProviderCredential } from './credentials.js';
import { FORGE_FIELDS, detectForge } from './forge.js';
import { applyPersonaSideFiles } from './persona-sidecar.js';
import { CONTAINED_PATH_HINT, linkEscape, projectPathEscape, resolveProjectPath } from './paths.js';
import { type Problem, hasErrors, problemsToError, sortProblems, dedupeProblems } from './problems.js';
import { checkAgainstSchema } from './schema-check.js';
import { didYouMean } from './suggest.js';
import {
  type DocPath,
  type LoadedManifest,
  type Locator,
  type Manifest,
  type ProcessTimeouts,
  type Resources,
  type Runtime,
  TIER_NAMES,
  type TierName,
} from './types.js';
import { parseMemory } from './units.js';
import { parseYamlSource } from './yaml-source.js';

export const RUNTIME_DEFAULTS: Runtime = {
  workspace_root: '.wave/workspaces',
  default_timeout_minutes: 30,
  max_concurrent_workers: 4,
  relay: {
    token_threshold_percent: 80,
    strategy: 'summarize_to_checkpoint',
    context_window: 200_000,
    summarizer_persona: 'summarizer',
    max_relays: 3,
  },
  audit: { log_dir: '.wave/traces', log_all_tool_calls: true, log_all_file_operations: false },
  sandbox: { backend: 'docker', default_allowed_domains: [], env_passthrough: [], resources: {}, hosts: {} },
  models: {},
};

export interface ManifestReadResult {
  /** Present when the file has no errors. */
  loaded?: LoadedManifest | undefined;
  problems: Problem[];
}

/** Reads and checks a manifest, returning every problem instead of throwing (except for a missing file). */
export async function readManifest(manifestPath: string): Promise<ManifestReadResult> {
  const file = path.resolve(manifestPath);
  // A wave.yaml that is a link out of its folder would have another file's content read and quoted in errors.
  const escape = linkEscape(file, path.dirname(file));
  if (escape) {
    return {
      problems: [
        {
          severity: 'error',
          file,
          message: `the manifest ${escape}`,
          hint: `pass the file itself: --manifest <its real path>; ${CONTAINED_PATH_HINT}`,
        },
      ],
    };
  }
  const text = await readManifestText(file);
  const src = parseYamlSource(file, text);
  if (src.problems.some((p) => p.severity === 'error')) return { problems: sortProblems(src.problems) };
  if (src.value === null || src.value === undefined) {
    return {
      problems: [
        {
          severity: 'error',
          file,
          line: 1,
          column: 1,
          message: 'the manifest is empty',
          hint: 'start from the default: wave init',
        },
      ],
    };
  }
  const problems = [...src.problems, ...(await checkAgainstSchema('manifest', src)).problems];
  const projectDir = path.dirname(file);
  let loaded: LoadedManifest | undefined;
  if (!hasErrors(problems)) {
    const raw = src.value as RawManifest;
    const manifest = { ...withDefaults(raw), variables: templateVariables(raw, projectDir) };
    problems.push(...applyPersonaSideFiles(manifest.personas, projectDir));
    const explicitSummarizer = raw.runtime?.relay?.summarizer_persona !== undefined;
    const systemPromptPaths = checkManifestSemantics(
      manifest,
      projectDir,
      file,
      src.locate,
      problems,
      explicitSummarizer,
    );
    loaded = { manifest, file, projectDir, systemPromptPaths, locate: src.locate };
  }
  const all = sortProblems(dedupeProblems(problems));
  return hasErrors(all) ? { problems: all } : { loaded, problems: all };
}

/** Loads a manifest or throws a WaveError listing every problem. Warnings are returned alongside. */
export async function loadManifest(manifestPath: string): Promise<LoadedManifest & { warnings: Problem[] }> {
  const { loaded, problems } = await readManifest(manifestPath);
  if (!loaded) throw problemsToError('manifest_invalid', problems);
  return { ...loaded, warnings: problems };
}

async function readManifestText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new WaveError('file_not_found', `no manifest at ${file}`, {
        hint: 'run: wave init (or pass --manifest <path>)',
      });
    }
    if (code === 'EISDIR') {
      throw new WaveError('file_not_found', `${file} is a directory, not a manifest`, {
        hint: `pass the file: --manifest ${path.join(file, 'wave.yaml')}`,
      });
    }
    throw new WaveError('file_not_found', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

type RawManifest = Omit<Manifest, 'runtime' | 'adapters' | 'personas'> & {
  adapters?: Record<string, Omit<Manifest['adapters'][string], 'image' | 'cli'> & { image?: string }>;
  personas?: Manifest['personas'];
  runtime?: Partial<Omit<Runtime, 'relay' | 'audit' | 'sandbox'>> & {
    timeouts?: ProcessTimeouts & { step_default_minutes?: number };
    relay?: Partial<Runtime['relay']>;
    audit?: Partial<Runtime['audit']>;
    sandbox?: Partial<Runtime['sandbox']>;
  };
};

/** `project.<key>` from the project: section and `forge.<field>` from metadata.forge or the git remote. */
function templateVariables(raw: RawManifest, projectDir: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.project ?? {})) vars[`project.${k}`] = String(v);
  const declared = typeof raw.metadata.forge === 'string' ? raw.metadata.forge : undefined;
  const forge = detectForge(declared, projectDir);
  for (const field of FORGE_FIELDS) vars[`forge.${field}`] = forge[field];
  return vars;
}

function withDefaults(raw: RawManifest): Manifest {
  const r = raw.runtime ?? {};
  const d = RUNTIME_DEFAULTS;
  return {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    metadata: raw.metadata,
    ...(raw.project ? { project: raw.project } : {}),
    adapters: Object.fromEntries(
      Object.entries(raw.adapters ?? {}).map(([name, a]) => {
        const cli = cliOf(name, a.binary);
        const image = a.image ?? (cli === undefined ? '' : KNOWN_CLIS[cli]?.image) ?? '';
        return [name, { ...a, image, ...(cli === undefined ? {} : { cli }) }];
      }),
    ),
    personas: Object.fromEntries(Object.entries(raw.personas ?? {}).map(([name, p]) => [name, { ...p }])),
    runtime: {
      workspace_root: r.workspace_root ?? d.workspace_root,
      // The original's older key wins over timeouts.step_default_minutes, as it does there.
      default_timeout_minutes:
        r.default_timeout_minutes ?? r.timeouts?.step_default_minutes ?? d.default_timeout_minutes,
      max_concurrent_workers: r.max_concurrent_workers ?? d.max_concurrent_workers,
      relay: { ...d.relay, ...r.relay },
      audit: { ...d.audit, ...r.audit },
      sandbox: {
        ...d.sandbox,
        ...r.sandbox,
        resources: { ...d.sandbox.resources, ...r.sandbox?.resources },
        hosts: { ...d.sandbox.hosts, ...r.sandbox?.hosts },
      },
      models: r.models ?? d.models,
      ...(r.stall_timeout !== undefined ? { stall_timeout: r.stall_timeout } : {}),
      ...(r.timeouts ? { timeouts: processTimeouts(r.timeouts) } : {}),
    },
  };
}

function processTimeouts(t: ProcessTimeouts): ProcessTimeouts {
  return {
    ...(t.process_grace_seconds !== undefined ? { process_grace_seconds: t.process_grace_seconds } : {}),
    ...(t.stdout_drain_seconds !== undefined ? { stdout_drain_seconds: t.stdout_drain_seconds } : {}),
    ...(t.gate_approval_hours !== undefined ? { gate_approval_hours: t.gate_approval_hours } : {}),
    ...(t.relay_compaction_minutes !== undefined ? { relay_compaction_minutes: t.relay_compaction_minutes } : {}),
  };
}

export function isTierName(model: string): model is TierName {
  return (TIER_NAMES as readonly string[]).includes(model);
}

/** Cross-node checks; returns the resolved system prompt paths. */
function checkManifestSemantics(
  m: Manifest,
  projectDir: string,
  file: string,
  locate: Locator,
  problems: Problem[],
  relaySummarizerExplicit: boolean,
): Record<string, string> {
  const error = (message: string, at: DocPath, hint?: string, where: 'key' | 'value' = 'value'): void => {
    const pos = locate(at, where);
    problems.push({ severity: 'error', file, line: pos?.line, column: pos?.column, message, hint });
  };
  const warn = (message: string, at: DocPath, hint?: string): void => {
    const pos = locate(at, 'value');
    problems.push({ severity: 'warning', file, line: pos?.line, column: pos?.column, message, hint });
  };
  const adapterNames = Object.keys(m.adapters);
  const personaNames = Object.keys(m.personas);
  const promptPaths: Record<string, string> = {};
  checkAdapterClis(m, error, warn);

  for (const [name, persona] of Object.entries(m.personas)) {
    const adapter = m.adapters[persona.adapter];
    if (!adapter) {
      error(
        `persona '${name}': unknown adapter '${persona.adapter}'${didYouMean(persona.adapter, adapterNames)}`,
        ['personas', name, 'adapter'],
        adapterNames.length ? `adapters defined: ${adapterNames.join(', ')}` : 'define it under adapters:',
      );
    } else if (persona.model !== undefined && isTierName(persona.model) && adapter.cli !== undefined) {
      const mapped = mapTier(persona.adapter, adapter, persona.model);
      const say = `persona '${name}': model tier '${persona.model}'`;
      const hint = `add adapters.${persona.adapter}.tier_models.${persona.model}`;
      if (mapped.model === undefined)
        error(`${say} cannot be mapped: ${mapped.unmapped ?? 'no model'}`, modelAt(name), hint);
      else if (mapped.unmapped) warn(`${say}: ${mapped.unmapped}; using '${mapped.model}'`, modelAt(name), hint);
    }
    const prompt = resolveProjectPath(persona.system_prompt_file, projectDir);
    if (prompt.refused) {
      error(
        `persona '${name}': system_prompt_file '${persona.system_prompt_file}' ${prompt.refused}`,
        ['personas', name, 'system_prompt_file'],
        CONTAINED_PATH_HINT,
      );
    } else if (!prompt.exists) {
      error(
        `persona '${name}': system_prompt_file '${persona.system_prompt_file}' not found (looked for ${prompt.path})`,
        ['personas', name, 'system_prompt_file'],
        'paths are relative to the folder holding wave.yaml',
      );
    } else {
      promptPaths[name] = prompt.path;
    }
    checkResources(persona.resources, ['personas', name, 'resources'], error);
    if (persona.credentials !== 'passthrough') {
      (persona.sandbox?.env_passthrough ?? []).forEach((variable, j) => {
        if (!isProviderCredential(variable)) return;
        const { message, hint } = credentialRefusal(variable, 'persona', name);
        error(message, ['personas', name, 'sandbox', 'env_passthrough', j], hint);
      });
    }
    if (persona.sandbox?.network === 'none' && persona.sandbox.allowed_domains?.length) {
      error(
        `persona '${name}': allowed_domains has no effect with network: none`,
        ['personas', name, 'sandbox', 'allowed_domains'],
        'use network: allowlist, or drop allowed_domains',
      );
    }
    if (persona.sandbox?.network === 'none' && persona.sandbox.provider_tools?.length) {
      // Without a network there is no model gateway, so there is nothing to allow.
      error(
        `persona '${name}': provider_tools has no effect with network: none`,
        ['personas', name, 'sandbox', 'provider_tools'],
        'use network: allowlist, or drop provider_tools',
      );
    }
  }

  const relayPersona = m.runtime.relay.summarizer_persona;
  if (m.runtime.relay.token_threshold_percent > 0 && !m.personas[relayPersona]) {
    // Only an explicit setting is worth an error; the default name may simply be unused.
    if (relaySummarizerExplicit) {
      error(
        `runtime.relay.summarizer_persona: unknown persona '${relayPersona}'${didYouMean(relayPersona, personaNames)}`,
        ['runtime', 'relay', 'summarizer_persona'],
      );
    }
  }

  // The runtime's list reaches every step's container, so a provider key there is refused whatever opts in.
  m.runtime.sandbox.env_passthrough.forEach((variable, j) => {
    if (!isProviderCredential(variable)) return;
    const { message, hint } = credentialRefusal(variable, 'runtime');
    error(message, ['runtime', 'sandbox', 'env_passthrough', j], hint);
  });

  // Paths Wave reads or writes on the host stay inside the project, like every other path of the manifest.
  const hostPaths: Array<[string | undefined, DocPath]> = [
    [m.runtime.workspace_root, ['runtime', 'workspace_root']],
    [m.runtime.audit.log_dir, ['runtime', 'audit', 'log_dir']],
    [m.runtime.sandbox.extra_ca_certs, ['runtime', 'sandbox', 'extra_ca_certs']],
  ];
  const refusedPaths = new Set<string>();
  for (const [value, at] of hostPaths) {
    const refused = value === undefined ? undefined : projectPathEscape(value, projectDir);
    if (refused === undefined) continue;
    refusedPaths.add(at.join('.'));
    error(`${at.join('.')}: '${value}' ${refused}`, at, CONTAINED_PATH_HINT);
  }
  const ca = m.runtime.sandbox.extra_ca_certs;
  if (
    ca !== undefined &&
    !refusedPaths.has('runtime.sandbox.extra_ca_certs') &&
    !existsSync(path.resolve(projectDir, ca))
  ) {
    error(`runtime.sandbox.extra_ca_certs: '${ca}' not found (looked for ${path.resolve(projectDir, ca)})`, [
      'runtime',
      'sandbox',
      'extra_ca_certs',
    ]);
  }
  checkResources(m.runtime.sandbox.resources, ['runtime', 'sandbox', 'resources'], error);
  return promptPaths;
}

const modelAt = (persona: string): DocPath => ['personas', persona, 'model'];

type Report = (message: string, at: DocPath, hint?: string) => void;

/** Each adapter names a CLI Wave has an adapter (and, without `image`, an image) for. */
function checkAdapterClis(m: Manifest, error: Report, warn: Report): void {
  const known = Object.keys(KNOWN_CLIS);
  for (const [name, adapter] of Object.entries(m.adapters)) {
    if (adapter.cli === undefined) {
      error(
        `adapter '${name}': Wave has no adapter or image for the CLI '${adapter.binary}'`,
        ['adapters', name, 'binary'],
        `Wave runs ${known.join(', ')} (an adapter named like opencode-qwen, or a binary like opencode-patched, ` +
          'counts as its CLI); name the adapter or its binary after one of them',
      );
      continue;
    }
    const shipped = KNOWN_CLIS[adapter.cli];
    if (shipped && adapter.binary !== shipped.binary) {
      warn(
        `adapter '${name}': binary '${adapter.binary}' is not used; Wave runs its pinned ${shipped.binary} ` +
          `from ${adapter.image}`,
        ['adapters', name, 'binary'],
        `write binary: ${shipped.binary}, or build an image with your CLI and set image:`,
      );
    }
  }
}

function checkResources(
  res: Resources | undefined,
  at: DocPath,
  error: (message: string, at: DocPath, hint?: string) => void,
): void {
  if (res?.memory !== undefined && parseMemory(res.memory) === undefined) {
    error(`memory '${String(res.memory)}' is not a size`, [...at, 'memory'], 'write it like 512m, 4g or 2GiB');
  }
  for (const key of ['stored_output_head', 'stored_output_tail'] as const) {
    const value = res?.[key];
    if (value === undefined) continue;
    const bytes = parseMemory(value);
    // Each stored line also counts 100 bytes (its record), so a bound under 1 KiB would hold almost nothing.
    if (bytes === undefined || bytes < 1024) {
      error(`${key} '${String(value)}' is not a size of at least 1k`, [...at, key], 'write it like 64k, 1MiB or 8m');
    }
  }
  if (res?.out_size !== undefined) {
    const outBytes = parseMemory(res.out_size);
    const memoryBytes = res.memory === undefined ? undefined : parseMemory(res.memory);
    if (outBytes === undefined) {
      error(`out_size '${String(res.out_size)}' is not a size`, [...at, 'out_size'], 'write it like 64m, 1g or 2GiB');
    } else if (memoryBytes !== undefined && outBytes > memoryBytes) {
      // /wave/out is a tmpfs charged to the step's memory: a larger quota could never be reached.
      error(
        `out_size '${String(res.out_size)}' is larger than memory '${String(res.memory)}'`,
        [...at, 'out_size'],
        "/wave/out is held in the step's memory while it runs: raise memory too, or lower out_size",
      );
    }
  }
}
