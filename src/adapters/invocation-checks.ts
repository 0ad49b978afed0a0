// The checks every adapter makes on its AgentInvocationInput before it builds an argv: each one is a user-caused
// error (a persona's model name, a manifest's limits), reported as manifest_invalid and prefixed with the adapter's
// name. The order of the checks is part of the behaviour: the first one that fails is the one reported.
import { posix } from 'node:path';
import { WaveError } from '../errors.js';
import type { AgentInvocationInput } from './types.js';

/** Builds an adapter's manifest_invalid error: `<adapter> adapter: <message>`, with an optional hint. */
export type InvalidInput = (message: string, hint?: string) => WaveError;

export function invalidInputOf(adapter: string): InvalidInput {
  return (message, hint) =>
    new WaveError('manifest_invalid', `${adapter} adapter: ${message}`, hint === undefined ? {} : { hint });
}

/** The model name goes on argv after `flag`: it must not be empty, look like a flag, or hold white space or NUL. */
export function checkModelName(model: string, flag: string, example: string, invalid: InvalidInput): void {
  if (model.trim() === '' || model.startsWith('-') || /[\s\0]/.test(model)) {
    throw invalid(`model name '${model}' is not usable as a ${flag} value`, `use a model id like ${example}`);
  }
}

/** The gateway base URL as a URL; it must be http(s). */
export function gatewayUrl(baseUrl: string, invalid: InvalidInput): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid(`gateway base URL '${baseUrl}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`gateway base URL '${baseUrl}' is not http(s)`);
  }
  return url;
}

export interface StepInputChecks {
  /** false for a CLI that takes no turn limit (Codex): maxTurns is then not looked at. */
  maxTurns?: boolean;
  /** false for an adapter that parses the gateway URL later, where it uses it (OpenCode). */
  gatewayUrl?: boolean;
}

/** maxTurns, HOME, the gateway URL and the gateway key, in that order. */
export function checkStepInput(input: AgentInvocationInput, invalid: InvalidInput, checks: StepInputChecks = {}): void {
  const turns = input.maxTurns;
  if (checks.maxTurns !== false && turns !== undefined && !(Number.isInteger(turns) && turns > 0)) {
    throw invalid(`maxTurns must be a positive integer, got ${String(input.maxTurns)}`);
  }
  if (!posix.isAbsolute(input.paths.home)) throw invalid(`HOME '${input.paths.home}' is not an absolute path`);
  if (checks.gatewayUrl !== false) gatewayUrl(input.gateway.baseUrl, invalid);
  if (input.gateway.apiKey === '') throw invalid('the gateway API key is empty (a placeholder is enough)');
}
