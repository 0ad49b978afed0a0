// The gate's question at the run's own terminal (node:readline on stdin/stderr). It is one way to answer among
// others: when `wave gate` answers from elsewhere, the gate times out or the run is cancelled, the question is
// withdrawn (its signal aborts) and the run goes on.
import { createInterface } from 'node:readline/promises';
import type { GateExec } from '../config/types.js';
import { APPROVE, REJECT, type TtyAnswer } from '../engine/gate-step.js';

export async function askAtTerminal(
  stepId: string,
  gate: GateExec,
  signal: AbortSignal,
): Promise<TtyAnswer | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const out = process.stderr;
    out.write(`\ngate ${stepId}: ${gate.message ?? 'waiting for approval'}\n`);
    if (gate.prompt) out.write(`${gate.prompt}\n`);
    const choice = await pickChoice(rl, gate, signal);
    if (choice === undefined) return undefined;
    const message = gate.freeform ? (await rl.question('message (optional): ', { signal })).trim() : '';
    return { choice, ...(message ? { message } : {}) };
  } catch (err) {
    if (signal.aborted) return undefined;
    throw err;
  } finally {
    rl.close();
  }
}

/** A choice by its number or key (Enter: the default); without choices, y approves and n rejects. */
async function pickChoice(
  rl: ReturnType<typeof createInterface>,
  gate: GateExec,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (gate.choices.length === 0) {
    for (;;) {
      const said = (await rl.question('approve? [y = approve, n = reject]: ', { signal })).trim().toLowerCase();
      if (said === 'y' || said === 'yes') return APPROVE;
      if (said === 'n' || said === 'no') return REJECT;
    }
  }
  gate.choices.forEach((c, i) => {
    const mark = c.key === gate.default ? ' (default)' : '';
    process.stderr.write(`  ${i + 1}) ${c.label} [${c.key}]${mark}\n`);
  });
  for (;;) {
    const said = (await rl.question('choice: ', { signal })).trim();
    if (said === '' && gate.default !== undefined) return gate.default;
    const byNumber = gate.choices[Number(said) - 1];
    if (/^\d+$/.test(said) && byNumber) return byNumber.key;
    if (gate.choices.some((c) => c.key === said)) return said;
  }
}
