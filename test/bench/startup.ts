// Start-up time of `wave --version` (goal: under 150 ms on the project's 2-core machine), against bare
// `node -e 0` measured in the same run, so the figure can be read apart from the machine's own speed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report, timeRuns } from './support.js';

const wave = fileURLToPath(new URL('../../bin/wave.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 20);

const run = (args: string[]) => () => execFileSync(process.execPath, args, { stdio: 'ignore' });
await timeRuns(3, run([wave, '--version'])); // warm the file cache
const node = median(await timeRuns(runs, run(['-e', '0'])));
const version = median(await timeRuns(runs, run([wave, '--version'])));
const help = median(await timeRuns(runs, run([wave, '--help'])));

report('startup', {
  'wave --version ms': version,
  'wave --help ms': help,
  'node -e 0 ms': node,
  'overhead over node ms': version - node,
  goal: version < 150 ? 'met (<150 ms)' : 'MISSED (>=150 ms)',
});
