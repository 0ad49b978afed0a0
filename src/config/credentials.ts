// Provider credentials and env_passthrough. The model gateway keeps provider keys on the host; a variable that
// holds one may enter a container only with an explicit opt-in: `credentials: passthrough` on the persona (prompt
// steps) or on the step itself (command steps, which have no persona). One rule for `wave validate`, for the
// run's preflight and for the step runner, which builds the container's environment from stepPassthrough().

import type { Manifest, Step } from './types.js';

/**
 * Every variable the model gateway reads a provider key from or gives a CLI its key in, for every provider
 * (hostKeyEnv and keyEnv in src/sandbox/egress/providers.ts; a unit test holds the two lists together).
 */
export const PROVIDER_CREDENTIAL_ENV: readonly string[] = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'CODEX_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GENERATIVE_AI_API_KEY',
];

export function isProviderCredential(name: string): boolean {
  return PROVIDER_CREDENTIAL_ENV.includes(name);
}

export type PassthroughLevel = 'runtime' | 'persona' | 'step';

export interface PassthroughName {
  name: string;
  /** The first list that names it: runtime.sandbox, the persona's sandbox, or the step's. */
  from: PassthroughLevel;
}

/**
 * The variables a step's container gets from the host: the runtime's list, its persona's (prompt steps only: a
 * command step does not use a persona) and its own.
 */
export function stepPassthrough(manifest: Manifest, step: Step): PassthroughName[] {
  const out = new Map<string, PassthroughLevel>();
  const add = (names: readonly string[] | undefined, from: PassthroughLevel) => {
    for (const name of names ?? []) if (!out.has(name)) out.set(name, from);
  };
  add(manifest.runtime.sandbox.env_passthrough, 'runtime');
  if (step.exec.type === 'prompt' && step.persona)
    add(manifest.personas[step.persona]?.sandbox?.env_passthrough, 'persona');
  add(step.sandbox?.env_passthrough, 'step');
  return [...out].map(([name, from]) => ({ name, from }));
}

/** Did the step opt in to receive real provider keys? */
export function credentialsOptedIn(manifest: Manifest, step: Step): boolean {
  if (step.exec.type === 'command') return step.credentials === 'passthrough';
  return step.persona !== undefined && manifest.personas[step.persona]?.credentials === 'passthrough';
}

/** The provider credentials among the step's passthrough variables that it has not opted in to. */
export function refusedCredentialPassthrough(manifest: Manifest, step: Step): PassthroughName[] {
  if (credentialsOptedIn(manifest, step)) {
    // Even with the opt-in, the runtime's list reaches every step: a key there is never accepted.
    return stepPassthrough(manifest, step).filter((p) => p.from === 'runtime' && isProviderCredential(p.name));
  }
  return stepPassthrough(manifest, step).filter((p) => isProviderCredential(p.name));
}

/** Why a provider credential may not be passed through at this level, and what to do; one text everywhere. */
export function credentialRefusal(
  name: string,
  level: PassthroughLevel,
  owner?: string,
): { message: string; hint: string } {
  const gateway = 'the model gateway adds the real key on the host, so a step does not need it';
  switch (level) {
    case 'runtime':
      return {
        message: `runtime.sandbox.env_passthrough: '${name}' is a provider credential; it would enter every step's container`,
        hint: `drop it (${gateway}); a persona that needs the key itself sets credentials: passthrough and lists it in its own sandbox.env_passthrough, a command step sets credentials: passthrough and lists it in its sandbox.env_passthrough`,
      };
    case 'persona':
      return {
        message: `persona '${owner}': sandbox.env_passthrough '${name}' is a provider credential, and the persona does not opt in`,
        hint: `add credentials: passthrough to persona '${owner}' (the real key then enters its containers; Wave scrubs it from what it stores), or drop it: ${gateway}`,
      };
    case 'step':
      return {
        message: `step '${owner}': sandbox.env_passthrough '${name}' is a provider credential, and the step does not opt in`,
        hint: `a command step adds credentials: passthrough (the real key then enters its container; Wave scrubs it from what it stores); a prompt step's persona sets credentials: passthrough. Or drop it: ${gateway}`,
      };
  }
}
