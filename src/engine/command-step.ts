// A command step's container, and the egress of what runs without an agent (the command, a test_suite contract):
// the same session as an agent step's (engine/egress.ts), under the step's own policy, never with a gateway.
// A test_suite contract's command runs through contractCommandRunner: contracts know nothing of sandboxes.
import type { Manifest, Step } from '../config/types.js';
import { ContractConfigError, type ContractNetwork, type RunContractCommand } from '../contracts/index.js';
import { DEFAULT_COMMAND_IMAGE } from '../config/types.js';
import type { ExtraMount, Sandbox, SandboxLabels, SandboxNetwork, SandboxSpec } from '../sandbox/types.js';
import {
  commandEgressSources,
  commandNetwork,
  openStepEgress,
  type CommandNetworkPolicy,
  type RunEgress,
} from './egress.js';
import type { Invocation } from './invocation.js';

/** A command container's way out: the mode and the attachment to put in its SandboxSpec; close() after the run. */
export interface CommandEgress {
  network: SandboxNetwork;
  egress?: SandboxSpec['egress'];
  close(): Promise<void>;
}

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
): Promise<CommandEgress | undefined> {
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
  return {
    ...invocation,
    network: net.network,
    ...(net.egress ? { egress: net.egress } : {}),
    cleanup: () => net.close(),
  };
}

/** Where a test_suite contract's command runs: the attempt's sandbox, source, mounts and labels. */
export interface ContractSandbox {
  sandbox: Sandbox;
  /** The step's source snapshot, mounted read-only at /wave/src. */
  srcDir: string;
  labels: SandboxLabels;
  /** The step's other project mounts (workspace.mount), bound read-only where the step had them. */
  mounts?: ExtraMount[];
  /** The egress of a command that declares a network (the step's, logged); without it such a command is refused. */
  egress?: CommandContext;
  /** The kill grace and output drain of runtime.timeouts. */
  timings?: Pick<SandboxSpec, 'killGraceMs' | 'drainMs'>;
}

export function contractCommandRunner(where: ContractSandbox): RunContractCommand {
  return async (command) => {
    const net = await contractEgress(where, command.network);
    try {
      return await where.sandbox.run(
        {
          image: command.image,
          argv: command.argv,
          mounts: { src: where.srcDir, out: command.outDir },
          ...(where.mounts?.length ? { extraMounts: where.mounts.map((m) => ({ ...m, readOnly: true })) } : {}),
          labels: where.labels,
          network: net?.network ?? 'none',
          ...(net?.egress ? { egress: net.egress } : {}),
          timeoutMs: command.timeoutMs,
          ...where.timings,
        },
        {
          ...(command.signal ? { signal: command.signal } : {}),
          onLine: (line) => command.onLine(line.stream, line.text),
        },
      );
    } finally {
      await net?.close();
    }
  };
}

async function contractEgress(
  where: ContractSandbox,
  policy: ContractNetwork | undefined,
): Promise<CommandEgress | undefined> {
  if (policy === undefined) return undefined;
  if (!where.egress) {
    throw new ContractConfigError('test_suite: a network was declared but no egress session can be opened here');
  }
  return commandEgress(where.egress, policy);
}
