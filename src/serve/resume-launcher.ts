// `wave resume <run>` in a process of its own that outlives the server (as `wave run --detach` starts one): the
// run's own process drives it and records it, and stopping the dashboard never stops a pipeline.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResumeLauncher } from './actions.js';

/** `wave` as argv (the node binary, its flags, the CLI entry, global flags such as -m), then `resume <run>`. */
export function backgroundResume(wave: readonly string[], projectDir: string): ResumeLauncher {
  return async (runId) => {
    const [command, ...args] = wave;
    if (command === undefined) throw new Error('backgroundResume: no command');
    const logDir = path.join(projectDir, '.wave', 'detached');
    await fs.mkdir(logDir, { recursive: true });
    const log = openSync(path.join(logDir, `${runId}.resume.log`), 'a');
    const child = spawn(command, [...args, 'resume', runId], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, NO_COLOR: '1' },
      cwd: projectDir,
    });
    closeSync(log); // the child holds its own copy
    child.unref();
    return child.pid;
  };
}
