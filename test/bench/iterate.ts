// Issue 18's goal for the run tree: 200 command items through `iterate` at 8 workers, against a flat DAG of 200
// command steps at 8 workers, measured in the same run (goal: ratio <= 1.1). Both start 200 containers; the
// iterate run also creates, starts and finishes 200 child run rows and reads its list from an artifact, so the
// ratio is the cost of the tree itself.
//
// Run: node --import tsx test/bench/iterate.ts   (BENCH_ROUNDS=N rounds, default 1; figures only, no asserts)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRun } from '../../src/engine/run-service.js';
import { median, report, timeRuns } from './support.js';

const ITEMS = 200;
const WORKERS = 8;
const GOAL = 1.1;
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-iterate-'));
try {
  execFileSync('git', ['init', '-q'], { cwd: dir });
  mkdirSync(path.join(dir, '.wave', 'pipelines'), { recursive: true });
  const write = (name: string, steps: string) =>
    writeFileSync(
      path.join(dir, '.wave', 'pipelines', `${name}.yaml`),
      `kind: WavePipeline\nmetadata: {name: ${name}}\nsteps:\n${steps}`,
    );
  // Inside a double-quoted YAML scalar: its quotes escaped.
  const list = JSON.stringify({ items: Array.from({ length: ITEMS }, (_, i) => i) }).replace(/"/g, '\\"');
  write(
    'tree',
    `  - id: scope
    exec: {type: command, script: "echo '${list}' > /wave/out/scope.json"}
    output_artifacts: [{name: scope, path: scope.json}]
  - id: each
    dependencies: [scope]
    iterate: {over: "{{ steps.scope.artifacts.scope.items }}", mode: parallel}
    exec: {type: command, script: "echo {{ item }} > /wave/out/n.txt"}
    output_artifacts: [{name: n, path: n.txt}]
`,
  );
  // The same shape without the tree: the scope step, then 200 steps after it.
  write(
    'flat',
    `  - id: scope
    exec: {type: command, script: "echo '${list}' > /wave/out/scope.json"}
    output_artifacts: [{name: scope, path: scope.json}]
${Array.from(
  { length: ITEMS },
  (_, i) =>
    `  - id: s${i}\n    dependencies: [scope]\n    exec: {type: command, script: "echo ${i} > /wave/out/n.txt"}\n` +
    '    output_artifacts: [{name: n, path: n.txt}]\n',
).join('')}`,
  );
  const options = { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [] };
  const run = (name: string) => async () => {
    const outcome = await startRun(options, name, '', { maxWorkers: WORKERS });
    if (outcome.summary.status !== 'completed') throw new Error(`${name}: ${outcome.summary.error ?? 'failed'}`);
  };
  const flat: number[] = [];
  const tree: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternating order, so a change of load on the machine (other Docker users) hits both.
    if (r % 2 === 0) {
      flat.push(...(await timeRuns(1, run('flat'))));
      tree.push(...(await timeRuns(1, run('tree'))));
    } else {
      tree.push(...(await timeRuns(1, run('tree'))));
      flat.push(...(await timeRuns(1, run('flat'))));
    }
  }
  const ratio = median(tree) / median(flat);
  report('iterate', {
    items: ITEMS,
    workers: WORKERS,
    flat_ms: median(flat),
    iterate_ms: median(tree),
    ratio,
    goal: `<=${GOAL}`,
    met: ratio <= GOAL ? 'yes' : 'no',
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
