// A gate step's line in `wave status`: how to answer it while it waits, its answer once given.
import type { GateRecord, StepRecord } from '../state/index.js';

export function gateNote(runId: string, step: StepRecord, gate: GateRecord | undefined): string {
  if (!gate) return '';
  const answer = gate.answer;
  if (answer) {
    const what = answer.choice === null ? 'not answered in time' : `answered '${answer.choice}'`;
    const note = answer.message ? `: ${answer.message}` : '';
    return `round ${gate.round} ${what} by ${answer.by} (${answer.how})${note}`;
  }
  if (gate.kind === 'timer') return `timer until ${gate.deadline ?? '?'}`;
  const until = gate.deadline ? ` (until ${gate.deadline})` : '';
  const how = step.status === 'waiting' ? 'answer' : 'answer, then wave resume';
  return `${how}: wave gate approve|reject ${runId} ${step.stepId}${until}`;
}
