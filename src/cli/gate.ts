// `wave gate list` and `wave gate approve|reject <run> <step>`, from any terminal (engine/gate-answer.ts checks
// and records the answer; the waiting run takes it within GATE_POLL_MS, a run not running takes it on resume).
import type { CliContext } from './context.js';
import { printJson, table } from './render.js';
import { withStore } from './store-access.js';

export interface GateAnswerOptions {
  choice?: string;
  message?: string;
}

export async function gateListCommand(ctx: CliContext): Promise<number> {
  const open = await withStore(ctx, (store) => {
    // A run whose Wave process died (kill -9) is said to be so, as wave status does: its gates are answered for resume.
    const runs = new Set(
      store.gates
        .listOpen()
        .filter((g) => g.runStatus === 'running')
        .map((g) => g.runId),
    );
    for (const runId of runs) store.runs.abandonIfOwnerDied(runId);
    return store.gates.listOpen();
  });
  if (ctx.output === 'json') {
    printJson(open);
    return 0;
  }
  if (open.length === 0) {
    process.stdout.write('no gate is waiting for an answer\n');
    return 0;
  }
  const rows = open.map((g) => [
    g.runId,
    g.stepId,
    g.kind,
    g.choices.length ? g.choices.map((c) => (c.key === g.default ? `${c.key}*` : c.key)).join(', ') : 'approve, reject',
    g.deadline ?? '-',
    g.stepStatus === 'waiting' ? 'waiting' : `run ${g.runStatus}: taken on wave resume`,
  ]);
  process.stdout.write(table(['RUN', 'STEP', 'KIND', 'CHOICES (*default)', 'DEADLINE', 'STATE'], rows) + '\n');
  for (const g of open) {
    const text = [g.message, g.prompt].filter(Boolean).join(' - ');
    if (text) process.stdout.write(`${g.runId} ${g.stepId}: ${text}\n`);
  }
  return 0;
}

export async function gateAnswerCommand(
  ctx: CliContext,
  verdict: 'approve' | 'reject',
  runId: string,
  stepId: string,
  opts: GateAnswerOptions,
): Promise<number> {
  const { answerGate } = await import('../engine/gate-answer.js');
  const event = await withStore(ctx, (store) =>
    answerGate(store, {
      runId,
      stepId,
      verdict,
      ...(opts.choice === undefined ? {} : { choice: opts.choice }),
      ...(opts.message === undefined ? {} : { message: opts.message }),
    }),
  );
  if (ctx.output === 'json') printJson(event);
  else {
    const what = event.choice === 'reject' && event.target === '_fail' ? 'rejected' : `answered '${event.choice}'`;
    process.stdout.write(`gate ${stepId} of run ${runId}: ${what} (by ${event.by})\n`);
  }
  return 0;
}
