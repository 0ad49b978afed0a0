// `gate:` as the step's exec (README: Gates), normalised and checked on its own: the gate kinds Wave runs, its
// choices and default, its timeout. Where a choice's target may lead is checked against the graph in
// plan/gate-targets.ts.
import { type Ctx, type RawStep, report } from './pipeline-context.js';
import type { DocPath, GateExec, OutputArtifact, Step } from './types.js';
import { parseDuration } from './units.js';

/** A choice target that fails the run instead of naming a step. */
export const FAIL_TARGET = '_fail';

/** The gate's decision, the step's one artifact: {choice, label, target, message, who, when, how}. */
export const GATE_DECISION_OUTPUT: OutputArtifact = {
  name: 'decision',
  path: 'decision.json',
  type: 'json',
  required: true,
};

/** What configures a container or its inputs has no meaning on a step that only waits. */
const NOT_ON_A_GATE = [
  'exec',
  'script',
  'type',
  'persona',
  'model',
  'adapter',
  'output_artifacts',
  'handover',
  'memory',
  'workspace',
  'sandbox',
  'credentials',
  'timeout_minutes',
  'retry',
  'iterate',
  'aggregate',
  'pipeline',
  'branch',
  'input',
  'input_ref',
  'config',
] as const;

/** `gate:` as the step's exec; undefined when the step is not a gate. */
export function gateExec(raw: RawStep, at: DocPath, ctx: Ctx): GateExec | undefined {
  const gate = raw.gate;
  if (!gate) return undefined;
  const where = [...at, 'gate'];
  const fail = (message: string, key: string | (string | number)[], hint?: string): void =>
    report(ctx, 'error', `step '${raw.id}': ${message}`, [...where, ...(Array.isArray(key) ? key : [key])], hint);

  for (const key of NOT_ON_A_GATE) {
    if (raw[key] === undefined) continue;
    const hint = 'a gate step only waits: put it on the step before or after the gate';
    report(ctx, 'error', `step '${raw.id}': ${key} cannot be used with gate:`, [...at, key], hint);
  }
  if (gate.type === 'pr_merge' || gate.type === 'ci_pass') {
    fail(`a ${gate.type} gate is not supported yet (needs forge access)`, 'type', 'use an approval gate instead');
  }
  for (const key of ['pr_number', 'repo', 'branch', 'interval', 'tui_action'] as const) {
    if (gate[key] === undefined || gate.type === 'pr_merge' || gate.type === 'ci_pass') continue;
    const why = key === 'tui_action' ? 'Wave has no TUI' : 'it belongs to pr_merge and ci_pass gates';
    fail(`gate.${key} is not supported (${why})`, key, 'drop it');
  }
  const choices = gate.choices ?? [];
  const seen = new Set<string>();
  choices.forEach((choice, j) => {
    if (seen.has(choice.key)) fail(`gate.choices: duplicate key '${choice.key}'`, ['choices', j, 'key']);
    seen.add(choice.key);
  });
  if (gate.default !== undefined && !seen.has(gate.default)) {
    const known = choices.map((c) => c.key);
    const hint = known.length ? `choices: ${known.join(', ')}` : 'add choices: [{key, label}] or drop default';
    fail(`gate.default '${gate.default}' is not a choice key`, 'default', hint);
  }
  if (gate.auto && choices.length && gate.default === undefined) {
    fail('gate.auto takes the default choice, and there is none', 'auto', 'add default: <choice key>');
  }
  let timeoutMs: number | undefined;
  if (gate.timeout !== undefined) {
    timeoutMs = parseDuration(gate.timeout);
    if (!timeoutMs) fail('gate.timeout must be more than 0', 'timeout');
  }
  if (gate.type === 'timer') {
    if (gate.timeout === undefined) fail('a timer gate needs gate.timeout (how long it waits)', 'type');
    for (const key of ['choices', 'default', 'freeform', 'prompt'] as const) {
      if (gate[key] !== undefined) fail(`gate.${key} has no meaning on a timer gate (nobody answers it)`, key);
    }
  }
  return {
    type: 'gate',
    kind: gate.type === 'timer' ? 'timer' : 'approval',
    ...(gate.message === undefined ? {} : { message: gate.message }),
    ...(gate.prompt === undefined ? {} : { prompt: gate.prompt }),
    choices: choices.map((c) => ({ key: c.key, label: c.label, ...(c.target ? { target: c.target } : {}) })),
    ...(gate.default === undefined ? {} : { default: gate.default }),
    ...(timeoutMs ? { timeoutMs } : {}),
    freeform: gate.freeform ?? false,
    auto: gate.auto ?? false,
  };
}

/** A gate step: it waits, and its one artifact is its decision. */
export function gateStep(raw: RawStep, exec: GateExec): Step {
  return {
    id: raw.id,
    dependencies: raw.dependencies ?? [],
    exec,
    output_artifacts: [GATE_DECISION_OUTPUT],
    handover: { contracts: [] },
  };
}
