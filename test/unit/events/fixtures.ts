// A small, realistic event sequence for sink tests.
import type { WaveEvent } from '../../../src/events/types.js';

export const RUN = 'demo-20250102-030405-abcd';

export function at(seconds: number): string {
  return new Date(Date.parse('2025-01-02T03:04:05.000Z') + seconds * 1000).toISOString();
}

export function sampleEvents(): WaveEvent[] {
  return [
    { type: 'run_started', runId: RUN, time: at(0), pipeline: 'demo', input: 'fix the bug', resumed: false },
    { type: 'progress', runId: RUN, time: at(0.5), phase: 'image_build', message: 'wave/claude', current: 1, total: 2 },
    {
      type: 'step_started',
      runId: RUN,
      stepId: 'plan',
      attempt: 1,
      time: at(1),
      persona: 'planner',
      adapter: 'claude',
      model: 'sonnet',
      image: 'wave/claude:1',
    },
    {
      type: 'tool_call',
      runId: RUN,
      stepId: 'plan',
      attempt: 1,
      time: at(2),
      name: 'Write',
      input: 'out/plan.md',
      status: 'ok',
    },
    { type: 'step_output', runId: RUN, stepId: 'plan', attempt: 1, time: at(2.5), stream: 'stdout', line: 'thinking…' },
    {
      type: 'usage',
      runId: RUN,
      stepId: 'plan',
      attempt: 1,
      time: at(3),
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      contextWindow: 200000,
      contextPercent: 0.6,
    },
    {
      type: 'contract_result',
      runId: RUN,
      stepId: 'plan',
      attempt: 1,
      time: at(3.5),
      index: 0,
      contractType: 'json_schema',
      ok: false,
      hard: true,
      errors: ['missing "steps"'],
    },
    {
      type: 'step_retrying',
      runId: RUN,
      stepId: 'plan',
      attempt: 1,
      time: at(4),
      nextAttempt: 2,
      delayMs: 1000,
      reason: 'contract failed',
      failureClass: 'contract',
    },
    {
      type: 'step_started',
      runId: RUN,
      stepId: 'plan',
      attempt: 2,
      time: at(5),
      persona: 'planner',
      adapter: 'claude',
      model: 'sonnet',
      image: 'wave/claude:1',
    },
    {
      type: 'egress_decision',
      runId: RUN,
      stepId: 'plan',
      attempt: 2,
      time: at(5.5),
      host: 'evil.example',
      port: 443,
      allowed: false,
      reason: 'not in allowlist',
    },
    {
      type: 'tool_call',
      runId: RUN,
      stepId: 'plan',
      attempt: 2,
      time: at(6),
      name: 'Bash',
      input: 'npm test',
      status: 'started',
    },
    { type: 'step_completed', runId: RUN, stepId: 'plan', attempt: 2, time: at(7.5), durationMs: 6500 },
    { type: 'step_skipped', runId: RUN, stepId: 'review', attempt: 0, time: at(7.6), reason: 'not selected' },
    { type: 'warning', runId: RUN, time: at(7.7), message: 'no provider key; using the scripted model' },
    { type: 'run_completed', runId: RUN, time: at(8), status: 'completed', durationMs: 8000 },
  ];
}
