// Which scripted turn answers a request. The agent CLI resends the whole conversation on every call, so the
// answer turn is chosen statelessly: turn k answers a request that already holds k assistant messages. Only
// two things need memory: how many times an error turn has been served (errors add no assistant message, so
// the conversation length cannot count them), and which attempt of the step a new conversation belongs to.

import type { AnswerTurn, ErrorTurn, ModelScript, TurnList } from './types.js';

export type Selection =
  | { kind: 'answer'; turn: AnswerTurn; attempt: number; index: number }
  | { kind: 'error'; turn: ErrorTurn; attempt: number; index: number }
  | { kind: 'exhausted'; message: string; attempt: number; index: number };

/** One answer turn and the error turns scripted before it (they are served first, `times` each). */
interface Slot {
  errors: ErrorTurn[];
  answer?: AnswerTurn;
}

function slotsOf(turns: TurnList): Slot[] {
  const slots: Slot[] = [];
  let pending: ErrorTurn[] = [];
  for (const t of turns) {
    if (t.kind === 'error') {
      pending.push(t);
    } else {
      slots.push({ errors: pending, answer: t });
      pending = [];
    }
  }
  if (pending.length > 0) slots.push({ errors: pending });
  return slots;
}

interface StepState {
  attempt: number;
  answeredInAttempt: boolean;
  /** Errors served so far, keyed by `<attempt>:<turn index>`. */
  errorsServed: Map<string, number>;
}

export class TurnSelector {
  private readonly state = new Map<string, StepState>();

  constructor(private readonly script: ModelScript) {}

  /** Forgets all counters (a test reusing one server for several runs). */
  reset(): void {
    this.state.clear();
  }

  /**
   * Chooses the turn for a request of `stepId` with `assistantCount` assistant messages. The step must exist
   * in the script (the server checks that first, to answer unknown steps with the list of known ids).
   * `pinnedAttempt` comes from a `wave-attempt: <n>` marker; without one, a new conversation (no assistant
   * message yet) after an attempt that was answered starts the next attempt.
   */
  select(stepId: string, assistantCount: number, pinnedAttempt?: number): Selection {
    const step = this.script.steps[stepId];
    const st = this.stateOf(stepId);
    if (pinnedAttempt !== undefined && pinnedAttempt >= 1) {
      if (pinnedAttempt !== st.attempt) st.answeredInAttempt = false;
      st.attempt = pinnedAttempt;
    } else if (st.attempt === 0) {
      st.attempt = 1;
    } else if (assistantCount === 0 && st.answeredInAttempt) {
      st.attempt += 1;
      st.answeredInAttempt = false;
    }
    const attempt = st.attempt;
    const attempts = step?.attempts ?? [];
    const turns = attempts[Math.min(attempt, attempts.length) - 1] ?? [];
    const slots = slotsOf(turns);
    const index = assistantCount;
    const slot = slots[index];
    const answers = slots.filter((s) => s.answer).length;
    const exhausted = (why: string): Selection => ({
      kind: 'exhausted',
      attempt,
      index,
      message:
        `scripted model: the script for step "${stepId}" (attempt ${attempt}) ${why}; ` +
        `the request is at turn ${index} (${assistantCount} assistant messages in the conversation)`,
    });
    if (!slot) return exhausted(`has ${answers} answer turn${answers === 1 ? '' : 's'}`);

    const key = `${attempt}:${index}`;
    let served = st.errorsServed.get(key) ?? 0;
    for (const e of slot.errors) {
      if (served < e.times) {
        st.errorsServed.set(key, (st.errorsServed.get(key) ?? 0) + 1);
        return { kind: 'error', turn: e, attempt, index };
      }
      served -= e.times;
    }
    if (!slot.answer) return exhausted('has no answer turn after its last error turn');
    st.answeredInAttempt = true;
    return { kind: 'answer', turn: slot.answer, attempt, index };
  }

  private stateOf(stepId: string): StepState {
    let st = this.state.get(stepId);
    if (!st) {
      st = { attempt: 0, answeredInAttempt: false, errorsServed: new Map() };
      this.state.set(stepId, st);
    }
    return st;
  }
}
