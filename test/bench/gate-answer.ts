// Issue 19's goal for gates: a run waiting at a gate goes on within 1 s of an answer given by another process. The
// answer is written through a second connection to the same state db (as `wave gate approve` does from its own
// process); the time is from that write to the waiting gate's return (its poll: GATE_POLL_MS).
//
// Run: node --import tsx test/bench/gate-answer.ts   (BENCH_ROUNDS=N answers, default 20; figures only, no asserts)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answerGate } from '../../src/engine/gate-answer.js';
import { GATE_POLL_MS, runGate } from '../../src/engine/gate-step.js';
import { Store } from '../../src/state/index.js';
import { median, report } from './support.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const GOAL_MS = 1000;
const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-gate-'));
const db = path.join(dir, 'state.db');
const waiting = new Store(db);
const answering = new Store(db);
try {
  const ids = Array.from({ length: rounds }, (_, i) => `g${i}`);
  const run = waiting.runs.create({
    pipeline: 'bench',
    pipelinePath: 'bench.yaml',
    input: '',
    steps: ids.map((stepId, position) => ({ stepId, level: 0, position })),
  });
  waiting.runs.start(run.id);
  const latencies: number[] = [];
  for (const id of ids) {
    const step = {
      id,
      dependencies: [],
      exec: { type: 'gate' as const, kind: 'approval' as const, choices: [], freeform: false, auto: false },
      output_artifacts: [],
      handover: { contracts: [] },
    };
    const options = { store: waiting, runId: run.id, runDir: dir, autoApprove: false, approvalTimeoutMs: 60_000 };
    const gate = runGate(options, step, new AbortController().signal);
    // Answer at a random point of the poll period, as a person would.
    await new Promise((r) => setTimeout(r, 50 + Math.random() * GATE_POLL_MS));
    const answeredAt = performance.now();
    answerGate(answering, { runId: run.id, stepId: id, verdict: 'approve' });
    await gate;
    latencies.push(performance.now() - answeredAt);
  }
  const worst = Math.max(...latencies);
  report('gate answer → run goes on', {
    answers: rounds,
    poll_ms: GATE_POLL_MS,
    median_ms: median(latencies).toFixed(1),
    worst_ms: worst.toFixed(1),
    goal_ms: GOAL_MS,
    within_goal: worst <= GOAL_MS ? 'yes' : 'NO',
  });
} finally {
  waiting.close();
  answering.close();
  rmSync(dir, { recursive: true, force: true });
}
