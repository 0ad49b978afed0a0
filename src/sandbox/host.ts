// The host backend: runs a SandboxSpec as a plain child process. NO ISOLATION — the command can read and write
// everything your user can, use the network, and ignore every limit. It exists for developing Wave itself on a
// machine without Docker; it is never the default and says so loudly on every run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WaveError } from '../errors.js';
import { OutputSink } from './output.js';
import { loadSandboxProfile, type SandboxProfile } from './profile.js';
import type { Sandbox, SandboxResult, SandboxRunOptions, SandboxSpec, SandboxStatus } from './types.js';

export interface HostSandboxOptions {
  profile?: SandboxProfile;
  /** Where the warning goes; default process.stderr. */
  warn?: (message: string) => void;
}

export const HOST_SANDBOX_WARNING =
  'wave: WARNING: host sandbox — this step runs directly on your machine with your permissions: no container, ' +
  'no read-only source, no resource limits, no network restrictions. For developing Wave only.';

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export class HostSandbox implements Sandbox {
  readonly kind = 'host' as const;
  private readonly profile: SandboxProfile;

  constructor(private readonly options: HostSandboxOptions = {}) {
    this.profile = options.profile ?? loadSandboxProfile();
  }

  async run(spec: SandboxSpec, runOptions: SandboxRunOptions = {}): Promise<SandboxResult> {
    const started = performance.now();
    (this.options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(HOST_SANDBOX_WARNING);
    if ((spec.network ?? 'none') !== 'none') throw new WaveError('sandbox_failed', `invalid sandbox spec: network ${JSON.stringify(spec.network)} is not supported`);
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
    let killReason: 'timed_out' | 'cancelled' | undefined;
    const timers: NodeJS.Timeout[] = [];
    let consumerError: unknown;
    try {
      const child = spawn(spec.argv[0] as string, spec.argv.slice(1), {
        cwd: spec.mounts.src,
        env,
        detached: true, // own process group, so kill reaches the command's children too
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => resolve({ code, signal: sig }));
      });
      if (child.pid !== undefined) runOptions.onCreated?.(`host:${child.pid}`);
      const killGroup = (sig: NodeJS.Signals) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          /* already gone */
        }
      };
      const kill = (reason: 'timed_out' | 'cancelled') => {
        if (killReason) return;
        killReason = reason;
        killGroup('SIGTERM');
        timers.push(setTimeout(() => killGroup('SIGKILL'), spec.killGraceMs ?? this.profile.killGraceMs));
      };
      const onAbort = () => kill('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.timeoutMs !== undefined) timers.push(setTimeout(() => kill('timed_out'), spec.timeoutMs));

      const onConsumerError = (err: unknown) => {
        consumerError ??= err;
        kill('cancelled');
      };
      const stdout = new OutputSink('stdout', this.profile.maxLineBytes, runOptions.onLine, onConsumerError);
      const stderr = new OutputSink('stderr', this.profile.maxLineBytes, runOptions.onLine, onConsumerError);
      // Sequential async iteration: the next chunk is read only after the lines were handled (backpressure).
      const pump = async (from: NodeJS.ReadableStream | null, sink: OutputSink) => {
        if (!from) return;
        for await (const chunk of from) await sink.write(chunk as Buffer);
        await sink.end();
      };
      const pumps = Promise.all([pump(child.stdout, stdout), pump(child.stderr, stderr)]);
      if (spec.stdin !== undefined && child.stdin) {
        child.stdin.on('error', () => undefined); // the command may exit without reading its input
        child.stdin.end(typeof spec.stdin === 'string' ? spec.stdin : Buffer.from(spec.stdin));
      }
      const { code, signal: sig } = await exited.catch((err: unknown) => {
        throw new WaveError('sandbox_failed', `cannot run ${spec.argv[0]}: ${(err as Error).message}`, { cause: err });
      });
      await pumps;
      signal?.removeEventListener('abort', onAbort);
      if (consumerError !== undefined) throw consumerError;
      const status: SandboxStatus = killReason ?? 'exited';
      return {
        status,
        exitCode: code ?? (sig ? 128 + (SIGNALS[sig] ?? 0) : null),
        durationMs: performance.now() - started,
        containerId: `host:${child.pid ?? 0}`,
        stdoutTail: stdout.tail.toString(),
        stderrTail: stderr.tail.toString(),
      };
    } finally {
      for (const t of timers) clearTimeout(t);
      await rm(home, { recursive: true, force: true });
    }
  }
}
