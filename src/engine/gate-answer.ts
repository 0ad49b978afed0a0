// `wave gate approve|reject`: an answer from any process, checked against what the gate asked (its open round in
// the state db), then recorded. The waiting run sees it on its next poll; a run that is not running takes it when
// it is resumed.
import { WaveError } from '../errors.js';
import type { GateResolvedEvent } from '../events/types.js';
import type { Store } from '../state/index.js';
import { APPROVE, osUser, REJECT, ttyAnswer } from './gate-step.js';

export interface GateAnswerRequest {
  runId: string;
  stepId: string;
  verdict: 'approve' | 'reject';
  choice?: string;
  message?: string;
  /** Who answers: the OS user by default; the dashboard says it answered for them. */
  by?: string;
}

export function answerGate(store: Store, request: GateAnswerRequest): GateResolvedEvent {
  const { runId, stepId } = request;
  store.runs.require(runId);
  const gate = store.gates.latest(runId, stepId);
  if (!gate) {
    throw new WaveError('gate_not_open', `step '${stepId}' of run ${runId} is not a gate waiting for an answer`, {
      hint: 'list the gates waiting: wave gate list',
    });
  }
  if (gate.kind === 'timer') {
    throw new WaveError('usage', `step '${stepId}' is a timer gate: it goes on when its time is up`, {
      hint: `wave cancel ${runId} stops the run`,
    });
  }
  const keys = gate.choices.map((c) => c.key);
  let choice: string;
  if (request.verdict === REJECT) {
    if (request.choice !== undefined) {
      throw new WaveError('usage', 'wave gate reject takes no --choice', {
        hint: `reject fails the run; to pick a choice: wave gate approve ${runId} ${stepId} --choice <key>`,
      });
    }
    choice = REJECT;
  } else if (keys.length === 0) {
    if (request.choice !== undefined && request.choice !== APPROVE) {
      throw new WaveError('usage', `--choice '${request.choice}': gate '${stepId}' has no choices`, {
        hint: 'approve or reject it without --choice',
      });
    }
    choice = APPROVE;
  } else {
    const picked = request.choice ?? gate.default;
    if (picked === undefined) {
      throw new WaveError('usage', `gate '${stepId}' has choices and no default: name one with --choice`, {
        hint: `choices: ${keys.join(', ')}`,
      });
    }
    if (!keys.includes(picked)) {
      throw new WaveError('usage', `--choice '${picked}' is not a choice of gate '${stepId}'`, {
        hint: `choices: ${keys.join(', ')}`,
      });
    }
    choice = picked;
  }
  const message = request.message === undefined ? {} : { message: request.message };
  // reject always fails the run, whatever a choice of the same name would do.
  const given = ttyAnswer(request.verdict === REJECT ? { choices: [] } : gate, { choice, ...message });
  return store.gates.answer(runId, stepId, { ...given, by: request.by ?? osUser(), how: 'cli' });
}
