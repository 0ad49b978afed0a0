// A step's egress session, whatever container the step starts: its agent (agent-launcher.ts), its command, or a
// test_suite contract (step-runner.ts). One place resolves the policy, starts the session (proxy, gateways, log)
// and turns every decision into an `egress_decision` event and a line of the run's egress.ndjson.
import path from 'node:path';
import type { Manifest, NetworkMode } from '../config/types.js';
import { WaveError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { eventTime } from '../events/types.js';
import type {
  ContainerIdentity,
  EgressSession,
  EgressLimits,
  EgressSessionOptions,
  EgressSourcesInput,
  ResolvedEgress,
} from '../sandbox/egress/index.js';

/** What every egress session of a run shares. */
export interface RunEgress {
  runId: string;
  bus: EventBus;
  /** The run's egress log is `<tracesDir>/<run-id>/egress.ndjson`. */
  tracesDir: string;
  /** uid:gid step containers run as: they must be able to connect to the session's sockets. */
  containerUser: ContainerIdentity;
  /** Host-side limits per session (the sandbox profile's `egress:` section). */
  limits: Partial<EgressLimits>;
}

export interface EgressRequest {
  stepId: string;
  attempt: number;
  sources: EgressSourcesInput;
  /** Agent steps only: where the model gateways forward and where they read keys. */
  gateway?: Pick<EgressSessionOptions, 'upstreams' | 'hostEnv' | 'extraCaPem'>;
}

export interface OpenedEgress {
  egress: ResolvedEgress;
  session: EgressSession;
}

/** Resolves the policy (a user error if it widens what it may not) and starts the session; close it when done. */
export async function openStepEgress(run: RunEgress, request: EgressRequest): Promise<OpenedEgress> {
  const egress = await import('../sandbox/egress/index.js');
  const { runId, bus } = run;
  const { stepId, attempt } = request;
  const resolved = egress.resolveEgressSources(request.sources);
  if (!resolved.ok) throw new WaveError('pipeline_invalid', `step '${stepId}': ${resolved.errors.join('; ')}`);
  for (const message of resolved.egress.warnings) {
    bus.emit({ type: 'warning', runId, stepId, attempt, time: eventTime(), message, code: 'egress' });
  }
  const session = await egress.startEgressSession({
    step: stepId,
    run: runId,
    attempt,
    egress: resolved.egress,
    containerUser: run.containerUser,
    limits: run.limits,
    logPath: path.join(run.tracesDir, runId, 'egress.ndjson'),
    onRecord: (record) => bus.emit({ ...egress.egressDecisionEvent(record, runId), stepId, attempt }),
    ...request.gateway,
  });
  return { egress: resolved.egress, session };
}

/** The network part of a command step's `sandbox` block, or of a test_suite contract. */
export interface CommandNetworkPolicy {
  network?: NetworkMode;
  allowed_domains?: string[];
}

/**
 * A command step (or test_suite contract) has no persona and no adapter, so its own block is its whole policy:
 * `allowed_domains` (else runtime.sandbox.default_allowed_domains) under `network` (default: `allowlist` when it
 * lists domains, else `none`). No adapter means no provider: a command step never gets a model gateway.
 */
export function commandEgressSources(
  policy: CommandNetworkPolicy | undefined,
  runtime: Manifest['runtime'],
): EgressSourcesInput {
  return {
    hosts: runtime.sandbox.hosts,
    persona: {
      network: commandNetwork(policy),
      allowedDomains: policy?.allowed_domains ?? runtime.sandbox.default_allowed_domains,
    },
  };
}

/** The mode commandEgressSources() resolves to, without loading the egress modules. */
export function commandNetwork(policy: CommandNetworkPolicy | undefined): NetworkMode {
  return policy?.network ?? (policy?.allowed_domains !== undefined ? 'allowlist' : 'none');
}
