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
}

export interface AgentLauncher {
  invocationFor(request: AgentInvocationRequest): Promise<Invocation>;
  /** Stops what the launcher started for the run (the offline scripted model). */
  close?(): Promise<void>;
}
