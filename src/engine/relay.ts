// The context relay of one attempt of a prompt step (README: Context relay). The agent runs under a RelayMonitor;
// when a usage report says its context reached the threshold, the container is stopped (SIGTERM, /wave/out and the
// writing tree kept), the summarizer writes a checkpoint in its own container (relay-summarizer.ts), and a fresh
// instance (a new container, a new CLI session) starts in the same workspace with the checkpoint in its prompt.
// Each checkpoint is stored as the step's artifact before the fresh instance starts, so a resumed run (or a
// retried attempt) continues from the last one.
import fs from 'node:fs/promises';
import { eventTime } from '../events/types.js';
import { copyArtifact } from '../workspace/artifacts.js';
import type { AgentInvocationRequest } from './agent.js';
import { failure, type AttemptOutcome } from './attempt.js';
import type { Invocation } from './invocation.js';
import { checkpointSection, outputsSnapshot, type Checkpoint } from './relay-checkpoint.js';
import { writeCheckpoint, type SummarizerRun } from './relay-summarizer.js';

/** Builds an agent invocation of the step: `checkpoint` is added to its prompt ('' for none). */
export type RelayLaunch = (relay: AgentInvocationRequest['relay'], checkpoint: string) => Promise<Invocation>;

export interface RelayRun extends SummarizerRun {
  launch: RelayLaunch;
  /** Runs an invocation to its outcome (container, collection, contracts) and releases it. */
  run: (invocation: Invocation) => Promise<AttemptOutcome>;
}

export interface LastCheckpoint {
  relay: number;
  checkpoint: Checkpoint;
}

export async function runRelayed(r: RelayRun): Promise<AttemptOutcome> {
  const { deps, step, request, policy } = r;
  const emit = (event: RelayEvent) =>
    deps.bus.emit({ runId: deps.runId, stepId: step.id, attempt: request.attempt, time: eventTime(), ...event });
  let last = await lastCheckpoint(r);
  for (;;) {
    if (last) emit({ type: 'relay_resumed', relay: last.relay });
    const relays = last?.relay ?? 0;
    const invocation = await r.launch(
      { thresholdPercent: policy.thresholdPercent, instance: relays },
      last ? checkpointSection(last.checkpoint, last.relay) : '',
    );
    const outcome = await r.run(invocation);
    const monitor = invocation.relay;
    // Only a stopped instance is relayed: one that finished before the stop took effect has its outcome.
    if (outcome.ok || outcome.failureClass !== 'context_exhausted' || !monitor?.triggered) return outcome;
    if (request.signal.aborted) return failure('cancelled', 'run cancelled');
    const percent = monitor.crossedAt ?? policy.thresholdPercent;
    if (relays >= policy.maxRelays) {
      const reason =
        `context relay: the context reached ${percent}% of the window (threshold ${policy.thresholdPercent}%) ` +
        `after ${relays} relay(s), the limit (max_relays ${policy.maxRelays})`;
      return failure('context_exhausted', reason, { exitCode: outcome.exitCode, outputTail: outcome.outputTail });
    }
    const relay = relays + 1;
    emit({ type: 'relay_triggered', relay, contextPercent: percent, thresholdPercent: policy.thresholdPercent });
    const written = await writeCheckpoint(r, relay, monitor);
    if (!written.ok) return written;
    emit({ type: 'checkpoint_written', relay, path: written.path });
    last = { relay, checkpoint: written.checkpoint };
  }
}

type RelayEvent =
  | { type: 'relay_triggered'; relay: number; contextPercent: number; thresholdPercent: number }
  | { type: 'checkpoint_written'; relay: number; path: string }
  | { type: 'relay_resumed'; relay: number };

/**
 * The step's last checkpoint, when an earlier attempt (or the run before `wave resume`) was relayed: its outputs
 * at that checkpoint are put back into this attempt's (fresh, empty) out/.
 */
async function lastCheckpoint(r: RelayRun): Promise<LastCheckpoint | undefined> {
  const { deps, step, ws } = r;
  const recorded = deps.store.artifacts
    .list(deps.runId, step.id)
    .map((a) => ({ path: a.path, relay: Number(/^checkpoint-(\d+)$/.exec(a.name)?.[1] ?? NaN) }))
    .filter((a) => Number.isInteger(a.relay))
    .sort((a, b) => b.relay - a.relay)[0];
  if (!recorded) return undefined;
  const checkpoint = JSON.parse(await fs.readFile(recorded.path, 'utf8')) as Checkpoint;
  const snapshot = outputsSnapshot(ws);
  const empty = (await fs.readdir(ws.out)).length === 0;
  if (empty && (await fs.stat(snapshot).catch(() => undefined))) {
    await copyArtifact(snapshot, ws.out);
    await fs.mkdir(ws.out, { recursive: true });
    if (deps.stepUser) await fs.chown(ws.out, deps.stepUser.uid, deps.stepUser.gid);
  }
  return { relay: recorded.relay, checkpoint };
}
