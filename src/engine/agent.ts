// The seam between the engine and the agent adapters: a prompt step becomes a container invocation. The engine
// knows nothing of any CLI's flags; the launcher (built from src/adapters) knows nothing of scheduling.
import type { Step } from '../config/types.js';
import type { TemplateContext } from '../plan/template.js';
import type { AttemptRequest } from './attempt.js';
import type { Invocation } from './invocation.js';
import type { JudgeAnswer, JudgeRequest } from '../contracts/types.js';
import type { JudgeScope } from './judge-call.js';
import type { LoadedManifest, LoadedPipeline } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { RunEgress } from './egress.js';
import type { RunFlags } from './run-prepare.js';

export interface AgentInvocationRequest {
  step: Step;
  templates: TemplateContext;
  request: AttemptRequest;
  /** The `## Context` section Wave adds after the prompt (engine/diff-context.ts); '' for none. */
  context?: string;
  /**
   * Watch the instance for the context relay (engine/relay.ts). `instance` counts the fresh instances: 0 is the
   * step's first, n the one started after the n-th relay (its instructions say `wave-relay: n`).
   */
  relay?: { thresholdPercent: number; instance: number };
}

export interface AgentLauncher {
  invocationFor(request: AgentInvocationRequest): Promise<Invocation>;
  /** An llm_judge call: one model request from the host, through the gateway's upstream (engine/judge-call.ts). */
  judge(scope: JudgeScope, request: JudgeRequest): Promise<JudgeAnswer>;
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

/** What building the agents of one run is given. */
export interface AgentContext {
  manifest: LoadedManifest;
  pipeline: LoadedPipeline;
  runId: string;
  /** The run's input (the offline demo's scripted model fills it into its answers). */
  input: string;
  flags: RunFlags;
  bus: EventBus;
  tracesDir: string;
  note: (message: string) => void;
  /** The run's egress: the agents' sessions are opened through it, as command steps' are. */
  egress: RunEgress;
}
