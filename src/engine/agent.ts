// The seam between the engine and the agent adapters: a prompt step becomes a container invocation. The engine
// knows nothing of any CLI's flags; the launcher (built from src/adapters) knows nothing of scheduling.
import type { Step } from '../config/types.js';
import type { TemplateContext } from '../plan/template.js';
import type { AttemptRequest } from './attempt.js';
import type { Invocation } from './invocation.js';

export interface AgentInvocationRequest {
  step: Step;
  templates: TemplateContext;
  request: AttemptRequest;
  /** The `## Context` section Wave adds after the prompt (engine/diff-context.ts); '' for none. */
  context?: string;
}

export interface AgentLauncher {
  invocationFor(request: AgentInvocationRequest): Promise<Invocation>;
  /** Stops what the launcher started for the run (the offline scripted model). */
  close?(): Promise<void>;
}

/**
 * The model that answers when a run has neither a key nor an upstream for a provider its steps talk to: the
 * offline demo's scripted model, which the CLI composes in. It only accepts `apiKey`, which the gateway adds.
 */
export type OfflineModel = (request: {
  pipelineName: string;
  projectDir: string;
  input: string;
  apiKey: string;
}) => Promise<{ url: string; label: string; close(): Promise<void> } | undefined>;
