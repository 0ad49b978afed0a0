// Issue goals for the executor, measured against baselines from the same run:
// - 100 no-op command steps at 10 workers, against 10 × one step's time (goal <= 1.25);
// - `wave list runs` over 10,000 runs, end to end through the CLI (goal <= 250 ms).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRun } from '../../src/engine/run-service.js';
import { Store } from '../../src/state/index.js';
import { median, report, timeRuns } from './support.js';

const wave = fileURLToPath(new URL('../../bin/wave.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'wave-bench-exec-'));
try {
  execFileSync('git', ['init', '-q'], { cwd: dir });
  mkdirSync(path.join(dir, '.wave', 'pipelines'), { recursive: true });
  const steps = (n: number) => Array.from({ length: n }, (_, i) => `  - id: s${i}\n    exec: {type: command, script: "true"}\n`).join('');
  writeFileSync(path.join(dir, '.wave', 'pipelines', 'one.yaml'), `kind: WavePipeline\nmetadata: {name: one}\nsteps:\n${steps(1)}`);
  writeFileSync(path.join(dir, '.wave', 'pipelines', 'hundred.yaml'), `kind: WavePipeline\nmetadata: {name: hundred}\nsteps:\n${steps(100)}`);
  const options = { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [] };
  const run = (name: string, workers: number) => async () => {
    const outcome = await startRun(options, name, '', { maxWorkers: workers });
    if (outcome.summary.status !== 'completed') throw new Error(`${name}: ${outcome.summary.status}`);
  };
  await run('one', 1)(); // warm up: image cache, db
  const one = median(await timeRuns(5, run('one', 1)));
  const hundred = median(await timeRuns(1, run('hundred', 10)));
  const ratio = hundred / (10 * one);
  report('executor-100-steps', { 'one step ms': one, '100 steps at 10 workers ms': hundred, 'ratio vs 10 x one step': ratio, goal: ratio <= 1.25 ? 'met (<=1.25)' : 'MISSED (>1.25)' });

  const store = new Store(path.join(dir, '.wave', 'state.db'));
  store.transaction(() => {
    for (let i = 0; i < 10_000; i++) store.createRun({ id: `p${i % 7}-bench-${String(i).padStart(5, "0")}`, pipeline: `p${i % 7}`, pipelinePath: 'p.yaml', input: `input ${i}` });
  });
  store.close();
  const list = median(await timeRuns(7, () => execFileSync(process.execPath, [wave, 'list', 'runs'], { cwd: dir, stdio: 'ignore' })));
  const version = median(await timeRuns(7, () => execFileSync(process.execPath, [wave, '--version'], { cwd: dir, stdio: 'ignore' })));
  report('list-runs-10k', { 'wave list runs ms': list, 'wave --version ms (same run)': version, goal: list <= 250 ? 'met (<=250 ms)' : 'MISSED (>250 ms)' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
