// Checks that need both a pipeline and the manifest: model/tier resolution per step, and that a step's sandbox
// block only narrows its persona's policy (a pipeline must not be able to widen what a persona may reach).
// Unknown persona/adapter names are reported by the DAG check (src/plan/dag.ts), so they are skipped here.

import { isWaveError } from '../errors.js';
import { credentialRefusal, credentialsOptedIn, isProviderCredential } from './credentials.js';
import type { Problem } from './problems.js';
import { resolveStepAgent } from './resolve.js';
import type { DocPath, LoadedPipeline, Manifest, NetworkMode, SandboxPolicy, Step } from './types.js';

const NETWORK_RANK: Record<NetworkMode, number> = { none: 0, allowlist: 1, open: 2 };

/** A persona without a sandbox block gets the allowlist mode (the design's default for agent steps). */
export const DEFAULT_PERSONA_NETWORK: NetworkMode = 'allowlist';

export function checkPipelineAgainstManifest(loaded: LoadedPipeline, manifest: Manifest): Problem[] {
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string): void => {
    const pos = loaded.locate(at);
    problems.push({ severity: 'error', file: loaded.file, line: pos?.line, column: pos?.column, message, hint });
  };
  loaded.pipeline.steps.forEach((step, i) => {
    if (step.exec.type !== 'prompt') return;
    if (step.persona !== undefined && !manifest.personas[step.persona]) return;
    if (step.adapter !== undefined && !manifest.adapters[step.adapter]) return;
    try {
      const { tierWarning } = resolveStepAgent(manifest, step);
      if (tierWarning !== undefined) {
        const pos = loaded.locate(['steps', i, step.model !== undefined ? 'model' : 'persona']);
        const message = `step '${step.id}': ${tierWarning}`;
        const hint = 'add tier_models to the adapter in wave.yaml';
        problems.push({ severity: 'warning', file: loaded.file, line: pos?.line, column: pos?.column, message, hint });
      }
    } catch (err) {
      if (!isWaveError(err)) throw err;
      const at: DocPath = [
        'steps',
        i,
        step.model !== undefined ? 'model' : step.persona !== undefined ? 'persona' : 'id',
      ];
      error(err.message, at, err.hint);
    }
    if (step.sandbox) checkNarrowing(step, i, manifest, error);
    if (!credentialsOptedIn(manifest, step)) {
      (step.sandbox?.env_passthrough ?? []).forEach((variable, j) => {
        if (!isProviderCredential(variable)) return;
        const { message, hint } = credentialRefusal(variable, 'step', step.id);
        error(message, ['steps', i, 'sandbox', 'env_passthrough', j], hint);
      });
    }
  });
  return problems;
}

function checkNarrowing(
  step: Step,
  i: number,
  manifest: Manifest,
  error: (message: string, at: DocPath, hint?: string) => void,
): void {
  const persona = step.persona === undefined ? undefined : manifest.personas[step.persona];
  const base: Required<SandboxPolicy> = {
    network: persona?.sandbox?.network ?? DEFAULT_PERSONA_NETWORK,
    allowed_domains: persona?.sandbox?.allowed_domains ?? manifest.runtime.sandbox.default_allowed_domains,
    env_passthrough: [...(persona?.sandbox?.env_passthrough ?? []), ...manifest.runtime.sandbox.env_passthrough],
  };
  const s = step.sandbox ?? {};
  const who = step.persona === undefined ? 'the runtime defaults' : `persona '${step.persona}'`;
  const hint = "a step may only narrow its persona's sandbox; change the persona instead";
  if (s.network !== undefined && NETWORK_RANK[s.network] > NETWORK_RANK[base.network]) {
    error(
      `step '${step.id}': sandbox.network '${s.network}' widens ${who} (${base.network})`,
      ['steps', i, 'sandbox', 'network'],
      hint,
    );
  }
  (s.allowed_domains ?? []).forEach((d, j) => {
    if (base.network !== 'open' && !base.allowed_domains.some((allowed) => domainCovers(allowed, d))) {
      error(
        `step '${step.id}': sandbox.allowed_domains '${d}' is not allowed for ${who}`,
        ['steps', i, 'sandbox', 'allowed_domains', j],
        hint,
      );
    }
  });
  (s.env_passthrough ?? []).forEach((v, j) => {
    if (!base.env_passthrough.includes(v)) {
      error(
        `step '${step.id}': sandbox.env_passthrough '${v}' is not passed through for ${who}`,
        ['steps', i, 'sandbox', 'env_passthrough', j],
        hint,
      );
    }
  });
}

/** Does the allowlist entry `rule` (exact, or `*.suffix`) permit everything `domain` (same syntax) permits? */
export function domainCovers(rule: string, domain: string): boolean {
  const r = rule.toLowerCase();
  const d = domain.toLowerCase();
  if (r === d) return true;
  if (!r.startsWith('*.')) return false;
  const suffix = r.slice(1); // ".github.com"
  const bare = d.startsWith('*.') ? d.slice(1) : `.${d}`;
  return bare.endsWith(suffix) && bare.length > suffix.length;
}
