// A gate step (README: Gates): the step waits in the state db, holding no container and no worker slot, until an
// answer arrives - from the run's own terminal, from `wave gate` in any other process (seen by polling the gates
// table every GATE_POLL_MS: one indexed SELECT), from --auto-approve / `auto: true`, or from its deadline. The
// answer becomes the step's `decision` artifact (JSON) and decides what follows: go on, re-run an upstream step,
// or fail the run.
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { FAIL_TARGET, GATE_DECISION_OUTPUT } from '../config/pipeline-gate.js';
import type { GateExec, Step } from '../config/types.js';
import { isWaveError } from '../errors.js';
import type { FailureClass } from '../events/types.js';
import type { GateAnswer, GateRecord, Store } from '../state/index.js';
import { artifactDigest } from '../workspace/artifacts.js';

/** How often a waiting gate reads the state db for an answer: the run goes on within this of `wave gate`. */
export const GATE_POLL_MS = 200;

/** An approval gate without its own timeout waits this long, as the original's timeouts.gate_approval_hours. */
export const DEFAULT_GATE_APPROVAL_HOURS = 24;

/** The keys a gate without choices is answered with. */
export const APPROVE = 'approve';
export const REJECT = 'reject';

/** What the person at the run's terminal answered. */
export interface TtyAnswer {
  choice: string;
  message?: string;
}

/** Asks at the run's terminal; aborted when the gate is answered elsewhere, times out, or the run is cancelled. */
export type GatePrompter = (stepId: string, gate: GateExec, signal: AbortSignal) => Promise<TtyAnswer | undefined>;

export interface GateRunOptions {
  store: Store;
  runId: string;
  /** The run's workspace folder: the decision is written to <dir>/<step>/out/decision.json. */
  runDir: string;
  /** --auto-approve: every approval gate takes its default (or approves when it has no choices). */
  autoApprove: boolean;
  approvalTimeoutMs: number;
  prompt?: GatePrompter;
  pollMs?: number;
}

export type GateOutcome =
  | { ok: true; answer: GateAnswer; rerun?: string }
  | { ok: false; failureClass: FailureClass; reason: string; timeoutMs?: number };

/** The OS user answering (the run's own user for auto and timeout answers). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Waits at the gate until it is answered, then writes the decision artifact and says what the answer means. */
export async function runGate(options: GateRunOptions, step: Step, signal: AbortSignal): Promise<GateOutcome> {
  const gate = step.exec;
  if (gate.type !== 'gate') throw new Error(`step '${step.id}' is not a gate`);
  const { store, runId } = options;
  const timeoutMs = gate.timeoutMs ?? (gate.kind === 'approval' ? options.approvalTimeoutMs : undefined);
  const { type: _type, timeoutMs: _t, auto: _a, ...spec } = gate;
  store.gates.open(runId, step.id, spec, timeoutMs);
  const unattended = gate.kind === 'approval' && (options.autoApprove || gate.auto);
  if (unattended && !store.gates.latest(runId, step.id)?.answer) {
    answerOnce(store, runId, step.id, defaultAnswer(gate, 'auto'));
  }
  const record = await waitForAnswer(options, step.id, gate, signal);
  if (!record?.answer) return { ok: false, failureClass: 'cancelled', reason: 'run cancelled' };
  const answer = record.answer;
  await writeDecision(options, step.id, record);
  store.gates.take(runId, step.id, record.round);
  return meaning(step.id, answer, timeoutMs);
}

/** The answer given without anyone: the default choice, else approve (a timer's elapsed time is an approval). */
export function defaultAnswer(gate: GateExec, how: 'auto' | 'timeout'): GateAnswer {
  const by = osUser();
  const choice = gate.choices.find((c) => c.key === gate.default);
  if (choice)
    return { choice: choice.key, label: choice.label, ...(choice.target ? { target: choice.target } : {}), by, how };
  if (gate.kind === 'timer' || (how === 'auto' && gate.choices.length === 0)) return { choice: APPROVE, by, how };
  return { choice: null, by, how };
}

/** Another process may have answered first: then its answer stands and this one is dropped. */
function answerOnce(store: Store, runId: string, stepId: string, answer: GateAnswer): void {
  try {
    store.gates.answer(runId, stepId, answer);
  } catch (err) {
    if (!(isWaveError(err) && err.code === 'gate_not_open')) throw err;
  }
}

async function waitForAnswer(
  options: GateRunOptions,
  stepId: string,
  gate: GateExec,
  signal: AbortSignal,
): Promise<GateRecord | undefined> {
  const { store, runId } = options;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let poll: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    return await new Promise<GateRecord | undefined>((resolve, reject) => {
      const check = () => {
        try {
          const record = store.gates.latest(runId, stepId);
          if (record?.answer) resolve(record);
          else if (signal.aborted) resolve(undefined);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      stop.signal.addEventListener('abort', check, { once: true });
      check();
      poll = setInterval(check, options.pollMs ?? GATE_POLL_MS);
      const due = store.gates.latest(runId, stepId)?.deadline;
      if (due) {
        const onDeadline = () => {
          answerOnce(store, runId, stepId, defaultAnswer(gate, 'timeout'));
          check();
        };
        // setTimeout holds at most ~24.8 days; a longer wait re-arms on resume (the deadline is in the db).
        deadline = setTimeout(onDeadline, Math.min(Math.max(0, Date.parse(due) - Date.now()), 2 ** 31 - 1));
      }
      if (options.prompt && gate.kind === 'approval') {
        options
          .prompt(stepId, gate, stop.signal)
          .then((given) => {
            if (given) answerOnce(store, runId, stepId, { ...ttyAnswer(gate, given), by: osUser(), how: 'tty' });
            check();
          })
          .catch(reject);
      }
    });
  } finally {
    clearInterval(poll);
    clearTimeout(deadline);
    stop.abort();
    signal.removeEventListener('abort', onAbort);
  }
}

/** A choice key (or approve/reject) as the full answer, with the choice's label and target. */
export function ttyAnswer(gate: Pick<GateExec, 'choices'>, given: TtyAnswer): Omit<GateAnswer, 'by' | 'how'> {
  const choice = gate.choices.find((c) => c.key === given.choice);
  const message = given.message?.trim() ? { message: given.message.trim() } : {};
  if (!choice) return { choice: given.choice, ...(given.choice === REJECT ? { target: FAIL_TARGET } : {}), ...message };
  return { choice: choice.key, label: choice.label, ...(choice.target ? { target: choice.target } : {}), ...message };
}

async function writeDecision(options: GateRunOptions, stepId: string, record: GateRecord): Promise<void> {
  const answer = record.answer;
  if (!answer) return;
  const file = path.join(options.runDir, stepId, 'out', GATE_DECISION_OUTPUT.path);
  await mkdir(path.dirname(file), { recursive: true });
  const decision = {
    choice: answer.choice,
    label: answer.label ?? null,
    target: answer.target ?? null,
    message: answer.message ?? null,
    by: answer.by,
    at: answer.at,
    how: answer.how,
    round: record.round,
  };
  await writeFile(file, `${JSON.stringify(decision, null, 2)}\n`);
  const digest = await artifactDigest(file);
  if (!digest) throw new Error(`gate decision ${file} vanished after it was written`);
  options.store.artifacts.record(options.runId, stepId, { name: GATE_DECISION_OUTPUT.name, path: file, ...digest });
}

function meaning(stepId: string, answer: GateAnswer, timeoutMs: number | undefined): GateOutcome {
  if (answer.choice === null) {
    const reason = `gate '${stepId}' was not answered in time and has no default`;
    return { ok: false, failureClass: 'timeout', reason, timeoutMs: timeoutMs ?? 0 };
  }
  if (answer.target === FAIL_TARGET) {
    const what = answer.choice === REJECT ? 'rejected' : `answered '${answer.label ?? answer.choice}'`;
    const note = answer.message ? `: ${answer.message}` : '';
    return { ok: false, failureClass: 'rejected', reason: `gate '${stepId}' ${what} by ${answer.by}${note}` };
  }
  const rerun = answer.target ? { rerun: answer.target } : {};
  return { ok: true, answer, ...rerun };
}
