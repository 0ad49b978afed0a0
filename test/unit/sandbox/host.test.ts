// The host backend (development only): same spec, a local child process, a loud warning.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HOST_SANDBOX_WARNING, HostSandbox } from '../../../src/sandbox/host.js';
import type { OutputLine, SandboxSpec } from '../../../src/sandbox/types.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function spec(argv: string[], extra: Partial<SandboxSpec> = {}): Promise<SandboxSpec> {
  const root = await mkdtemp(join(tmpdir(), 'wave-host-'));
  dirs.push(root);
  for (const d of ['src', 'in', 'out']) await mkdir(join(root, d));
  return {
    image: 'ignored',
    argv,
    mounts: { src: join(root, 'src'), in: join(root, 'in'), out: join(root, 'out') },
    labels: { run: 'r', step: 's', attempt: 1 },
    ...extra,
  };
}

describe('HostSandbox', () => {
  it('warns loudly, runs in src with env from the map only, WAVE_* pointing at host dirs', async () => {
    const warnings: string[] = [];
    process.env.WAVE_TEST_HOST_LEAK = 'leak';
    try {
      const s = await spec(['sh', '-c', 'pwd; env | sort; echo out > "$WAVE_OUT/f"; echo err >&2; exit 7'], {
        env: { FOO: 'bar' },
        stdin: 'ignored',
      });
      const lines: OutputLine[] = [];
      const result = await new HostSandbox({ warn: (m) => warnings.push(m) }).run(s, {
        onLine: (l) => void lines.push(l),
      });
      assert.deepEqual(warnings, [HOST_SANDBOX_WARNING]);
      assert.deepEqual([result.status, result.exitCode], ['exited', 7]);
      const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
      assert.equal(out[0], s.mounts.src);
      const names = out.slice(1).map((l) => l.split('=')[0]);
      assert.deepEqual(
        names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n ?? '')),
        ['FOO', 'HOME', 'PATH', 'WAVE_IN', 'WAVE_OUT', 'WAVE_SRC'],
      );
      assert.ok(out.includes(`WAVE_OUT=${s.mounts.out}`));
      assert.deepEqual(
        lines.filter((l) => l.stream === 'stderr').map((l) => l.text),
        ['err'],
      );
      assert.equal(await readFile(join(s.mounts.out, 'f'), 'utf8'), 'out\n');
    } finally {
      delete process.env.WAVE_TEST_HOST_LEAK;
    }
  });

  it('delivers stdin, times out, and cancels', { timeout: 30_000 }, async () => {
    const quiet = new HostSandbox({ warn: () => undefined });
    const echoed: string[] = [];
    await quiet.run(await spec(['cat'], { stdin: 'the prompt\n' }), { onLine: (l) => void echoed.push(l.text) });
    assert.deepEqual(echoed, ['the prompt']);

    const t = await quiet.run(await spec(['sh', '-c', 'sleep 100 & wait'], { timeoutMs: 300, killGraceMs: 300 }));
    assert.equal(t.status, 'timed_out');

    const c = new AbortController();
    setTimeout(() => c.abort(), 200);
    const r = await quiet.run(await spec(['sleep', '100']), { signal: c.signal });
    assert.equal(r.status, 'cancelled');
  });

  it(
    'a process left holding the output open gets only the drain (stdout_drain_seconds)',
    { timeout: 4000 },
    async () => {
      const quiet = new HostSandbox({ warn: () => undefined });
      // The stray keeps stdout open for 6 s after the command's exit; the run must end after the 100 ms drain.
      const s = await spec(['sh', '-c', 'echo before; sleep 6 & exit 3'], { drainMs: 100 });
      const r = await quiet.run(s);
      assert.equal(r.exitCode, 3);
      assert.equal(r.stdoutTail, 'before\n');
    },
  );
});
