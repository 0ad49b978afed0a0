// Which adapter and which model a step runs with.
//
//   adapter: --adapter flag > step.adapter > persona.adapter
//   model:   --model flag > step.model > persona.model > adapter.default_model
//
// A tier name (cheapest | balanced | strongest) at any level resolves through the chosen adapter's tier_models, else
// the built-in map of its CLI (clis.ts), else - with a warning - its default_model.
// A persona's *literal* model is only used when the step runs on the persona's own adapter: "claude-sonnet-4-5"
// means nothing to Codex, so overriding the adapter falls through to that adapter's default. Tiers are portable
// and always apply.

import { WaveError } from '../errors.js';
import { mapTier } from './clis.js';
import { isTierName } from './manifest.js';
import { didYouMean } from './suggest.js';
import type { Adapter, Manifest, Persona, Step } from './types.js';

export interface ResolveFlags {
  adapter?: string;
  model?: string;
}

export interface ResolvedAgent {
  adapterName: string;
  adapter: Adapter;
  personaName?: string;
  persona?: Persona;
  /** A concrete model name (tiers already resolved). */
  model: string;
  /** Where the model came from, for `wave run --dry-run` style explanations. */
  modelSource: 'flag' | 'step' | 'persona' | 'adapter default';
  /** Set when a tier could not be mapped and the adapter's default model stands in: why. */
  tierWarning?: string;
}

export function resolveStepAgent(
  manifest: Manifest,
  step: Pick<Step, 'id' | 'persona' | 'adapter' | 'model'>,
  flags: ResolveFlags = {},
): ResolvedAgent {
  const fail = (message: string, hint?: string): never => {
    throw new WaveError('pipeline_invalid', `step '${step.id}': ${message}`, hint === undefined ? {} : { hint });
  };

  let persona: Persona | undefined;
  if (step.persona !== undefined) {
    persona = manifest.personas[step.persona];
    if (!persona) {
      const names = Object.keys(manifest.personas);
      fail(
        `unknown persona '${step.persona}'${didYouMean(step.persona, names)}`,
        `personas in the manifest: ${names.join(', ') || 'none'}`,
      );
    }
  }

  const adapterName = flags.adapter ?? step.adapter ?? persona?.adapter;
  if (adapterName === undefined) {
    return fail('no adapter: give the step a persona or an adapter');
  }
  const adapter = manifest.adapters[adapterName];
  if (!adapter) {
    const names = Object.keys(manifest.adapters);
    const from =
      flags.adapter !== undefined ? '--adapter' : step.adapter !== undefined ? 'step' : `persona '${step.persona}'`;
    return fail(
      `unknown adapter '${adapterName}' (from ${from})${didYouMean(adapterName, names)}`,
      `adapters in the manifest: ${names.join(', ') || 'none'}`,
    );
  }

  const personaModelApplies =
    persona?.model !== undefined && (isTierName(persona.model) || persona.adapter === adapterName);
  const candidates: Array<[ResolvedAgent['modelSource'], string | undefined]> = [
    ['flag', flags.model],
    ['step', step.model],
    ['persona', personaModelApplies ? persona?.model : undefined],
    ['adapter default', adapter.default_model],
  ];
  const chosen = candidates.find(([, m]) => m !== undefined && m !== '');
  if (!chosen || chosen[1] === undefined) {
    return fail(
      `no model for adapter '${adapterName}'`,
      `set adapters.${adapterName}.default_model, or model: on the persona or step`,
    );
  }
  const [modelSource, requested] = chosen;
  let model = requested;
  let tierWarning: string | undefined;
  if (isTierName(requested)) {
    const mapped = mapTier(adapterName, adapter, requested);
    if (mapped.model === undefined) {
      return fail(
        `model tier '${requested}' (from ${modelSource}) cannot be mapped for adapter '${adapterName}'`,
        `add adapters.${adapterName}.tier_models.${requested}`,
      );
    }
    model = mapped.model;
    if (mapped.unmapped) tierWarning = `model tier '${requested}': ${mapped.unmapped}; using '${model}'`;
  }

  return {
    adapterName,
    adapter,
    ...(step.persona !== undefined && persona ? { personaName: step.persona, persona } : {}),
    model,
    modelSource,
    ...(tierWarning === undefined ? {} : { tierWarning }),
  };
}

export interface EffectivePermissions {
  allowed_tools: string[];
  deny: string[];
}

/**
 * The tool rules a step's agent runs with: the persona's allow list (else the adapter's default, else every
 * tool), and the union of the adapter's and the persona's deny rules (a persona can add denials, never drop one).
 */
export function effectivePermissions(agent: ResolvedAgent): EffectivePermissions {
  const adapterDefaults = agent.adapter.default_permissions ?? {};
  const persona = agent.persona?.permissions ?? {};
  return {
    allowed_tools: persona.allowed_tools ?? adapterDefaults.allowed_tools ?? ['*'],
    deny: [...new Set([...(adapterDefaults.deny ?? []), ...(persona.deny ?? [])])],
  };
}
