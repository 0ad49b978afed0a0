// A command step's container, and the egress of what runs without an agent (the command, a test_suite contract):
// the same session as an agent step's (engine/egress.ts), under the step's own policy, never with a gateway.
import type { Manifest, Step } from '../config/types.js';
import type { ContractEgress } from '../contracts/types.js';
import { DEFAULT_COMMAND_IMAGE } from '../config/types.js';
import {
  commandEgressSources,
  commandNetwork,
  openStepEgress,
  type CommandNetworkPolicy,
  type RunEgress,
} from './egress.js';
import type { Invocation } from './invocation.js';

export interface CommandContext {
  egress: RunEgress;
  runtime: Manifest['runtime'];
  stepId: string;
  attempt: number;
}

/** Opens the egress a command-like container needs, or undefined for network none (loopback only, no bridge). */
export async function commandEgress(
  ctx: CommandContext,
  policy: CommandNetworkPolicy | undefined,
): Promise<ContractEgress | undefined> {
  if (commandNetwork(policy) === 'none') return undefined;
  const { egress, session } = await openStepEgress(ctx.egress, {
    stepId: ctx.stepId,
    attempt: ctx.attempt,
    sources: commandEgressSources(policy, ctx.runtime),
  });
  return { network: egress.mode, egress: (hasBridge) => session.attachment(hasBridge), close: () => session.close() };
}

/** The script has its placeholders shell-quoted already; the input is also given as data, in WAVE_INPUT. */
export async function commandInvocation(
  ctx: CommandContext,
  step: Step,
  script: string,
  input: string,
): Promise<Invocation> {
  const image = step.exec.type === 'command' ? (step.exec.image ?? DEFAULT_COMMAND_IMAGE) : DEFAULT_COMMAND_IMAGE;
  const invocation: Invocation = { image, argv: ['sh', '-c', script], env: { WAVE_INPUT: input } };
  const net = await commandEgress(ctx, step.sandbox);
  if (!net) return invocation;
  return { ...invocation, network: net.network, ...(net.egress ? { egress: net.egress } : {}), cleanup: net.close };
}
