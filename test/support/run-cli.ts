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

/** Run `wave ARGS` in `cwd` as a user would, with colours off; `stdin` is its standard input (default: none). */
export function runWave(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, stdin?: string): CliRun {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, entry, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
    ...(stdin !== undefined ? { input: stdin } : {}),
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
export function waitForEvent<T = Record<string, unknown>>(
  child: ChildProcess,
  match: (e: Record<string, unknown>) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
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

/** Like runWave, without blocking this process's event loop (for tests that serve the model in-process). */
export async function runWaveAsync(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 300_000,
): Promise<CliRun> {
  const child = spawnWave(args, cwd, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}
