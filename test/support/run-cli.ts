import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./wave-cli.ts', import.meta.url));
/** Absolute, so the child resolves tsx from this repo whatever its working directory. */
export const tsxLoader = import.meta.resolve('tsx');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `wave ARGS` in `cwd` as a user would, with colours off. */
export function runWave(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, entry, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `wave ARGS` in the background, for tests that kill or cancel a run mid-way. */
export function spawnWave(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', tsxLoader, entry, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first NDJSON event on the child's stdout that matches, or rejects after `timeoutMs`. */
export function waitForEvent<T = Record<string, unknown>>(child: ChildProcess, match: (e: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.stdout?.off('data', onData);
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const event = JSON.parse(line) as Record<string, unknown>;
          if (match(event)) {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            resolve(event as T);
            return;
          }
        } catch {
          // not an event line
        }
      }
    };
    child.stdout?.on('data', onData);
  });
}
