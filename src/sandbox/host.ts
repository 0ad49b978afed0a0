// The host backend: runs a SandboxSpec as a plain child process. NO ISOLATION — the command can read and write
// everything your user can, use the network, and ignore every limit. It exists for developing Wave itself on a
// machine without Docker; it is never the default and says so loudly on every run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WaveError } from '../errors.js';
import { CommandOutput, type OutputSink } from './output.js';
import { loadSandboxProfile, type SandboxProfile } from './profile.js';
import { StopControl } from './stop.js';
import {
  DEFAULT_DRAIN_MS,
  type Sandbox,
  type SandboxResult,
  type SandboxRunOptions,
  type SandboxSpec,
  type SandboxStatus,
} from './types.js';

export interface HostSandboxOptions {
  profile?: SandboxProfile;
  /** Where the warning goes; default process.stderr. */
  warn?: (message: string) => void;
}

export const HOST_SANDBOX_WARNING =
  'wave: WARNING: host sandbox — this step runs directly on your machine with your permissions: no container, ' +
  'no read-only source, no resource limits, no network restrictions. For developing Wave only.';

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Sequential async iteration: the next chunk is read only after its lines were handled (backpressure). */
async function pump(from: NodeJS.ReadableStream | null, sink: OutputSink): Promise<void> {
  if (!from) return;
  for await (const chunk of from) await sink.write(chunk as Buffer);
  await sink.end();
}

export class HostSandbox implements Sandbox {
  readonly kind = 'host' as const;
  private readonly profile: SandboxProfile;

  constructor(private readonly options: HostSandboxOptions = {}) {
    this.profile = options.profile ?? loadSandboxProfile();
  }

  async run(spec: SandboxSpec, runOptions: SandboxRunOptions = {}): Promise<SandboxResult> {
    const started = performance.now();
    (this.options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(HOST_SANDBOX_WARNING);
    if ((spec.network ?? 'none') !== 'none')
      throw new WaveError(
        'sandbox_failed',
        `invalid sandbox spec: network ${JSON.stringify(spec.network)} is not supported`,
      );
    if (!spec.argv.length) throw new WaveError('sandbox_failed', 'invalid sandbox spec: argv is empty');
    const { signal } = runOptions;
    const tails = { stdoutTail: '', stderrTail: '' };
    if (signal?.aborted) return { status: 'cancelled', exitCode: null, durationMs: 0, containerId: null, ...tails };

    const home = await mkdtemp(join(tmpdir(), 'wave-host-home-'));
    const env: NodeJS.ProcessEnv = {
      // Only PATH is inherited (so argv[0] resolves); everything else comes from the spec.
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...spec.env,
      HOME: home,
      WAVE_SRC: spec.mounts.src,
      WAVE_IN: spec.mounts.in ?? '',
      WAVE_OUT: spec.mounts.out,
    };
    const graceMs = spec.killGraceMs ?? this.profile.killGraceMs;
    const stop = new StopControl({
      graceMs,
      signal,
      stopSignal: runOptions.stop,
      timeoutMs: spec.timeoutMs,
      stallMs: spec.stallTimeoutMs,
    });
    try {
      const child = spawn(spec.argv[0] as string, spec.argv.slice(1), {
        cwd: spec.mounts.src,
        env,
        detached: true, // own process group, so kill reaches the command's children too
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, sig) => resolve({ code, signal: sig })); // not 'close': strays may hold the pipes
      });
      if (child.pid !== undefined) runOptions.onCreated?.(`host:${child.pid}`);
      stop.attach((sig) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
      });
      const output = new CommandOutput(
        this.profile.maxLineBytes,
        runOptions.onLine,
        stop.consumerFailed,
        stop.activity,
      );
      const pumps = Promise.all([pump(child.stdout, output.stdout), pump(child.stderr, output.stderr)]);
      if (spec.stdin !== undefined && child.stdin) {
        child.stdin.on('error', () => undefined); // the command may exit without reading its input
        child.stdin.end(typeof spec.stdin === 'string' ? spec.stdin : Buffer.from(spec.stdin));
      }
      const { code, signal: sig } = await exited.catch((err: unknown) => {
        throw new WaveError('sandbox_failed', `cannot run ${spec.argv[0]}: ${(err as Error).message}`, { cause: err });
      });
      // A process the command left behind may hold the pipes open: the rest of the output gets a bounded drain.
      let drainTimer: NodeJS.Timeout | undefined;
      const drainEnd = new Promise<void>(
        (resolve) => (drainTimer = setTimeout(resolve, spec.drainMs ?? DEFAULT_DRAIN_MS)),
      );
      await Promise.race([pumps, drainEnd]);
      clearTimeout(drainTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (stop.consumerError) throw stop.consumerError.err;
      const status: SandboxStatus = stop.reason ?? 'exited';
      return {
        status,
        exitCode: code ?? (sig ? 128 + (SIGNALS[sig] ?? 0) : null),
        durationMs: performance.now() - started,
        containerId: `host:${child.pid ?? 0}`,
        ...output.tails(),
      };
    } finally {
      stop.dispose();
      await rm(home, { recursive: true, force: true });
    }
  }
}
