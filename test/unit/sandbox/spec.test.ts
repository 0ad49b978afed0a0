// The container create options built from a spec: every hardening field asserted without an engine.
import assert from 'node:assert/strict';
import { HOLD_SCRIPT } from '../../../src/sandbox/docker/hold.js';
import { describe, it } from 'node:test';
import {
  buildContainerSpec,
  containerName,
  containerUser,
  withoutInit,
  type BuildContext,
} from '../../../src/sandbox/docker/spec.js';
import { buildHintFor } from '../../../src/sandbox/docker/images.js';
import { loadSandboxProfile } from '../../../src/sandbox/profile.js';
import type { SandboxSpec } from '../../../src/sandbox/types.js';

const profile = loadSandboxProfile();
const SECRET = 'sk-canary-0123456789';
const spec: SandboxSpec = {
  image: 'wave/base:latest',
  argv: ['claude', '-p', '--output-format', 'stream-json'],
  env: { ANTHROPIC_API_KEY: SECRET, FOO: 'bar' },
  mounts: { src: '/ws/run/step/src', in: '/ws/run/step/in', out: '/ws/run/step/out' },
  labels: { run: 'run-1', step: 'plan', attempt: 2 },
  stdin: 'prompt',
};
const ctx = (uid: number, gid = uid): BuildContext => ({
  profile,
  host: { uid, gid },
  owner: { host: 'box', pid: 4242, start: '123' },
  outVolume: 'wave-run-1-plan-2-x-out',
});

describe('buildContainerSpec', () => {
  const opts = buildContainerSpec(spec, ctx(0));
  const hc = opts.HostConfig ?? {};

  it('hardens the container', () => {
    assert.equal(hc.ReadonlyRootfs, true);
    assert.deepEqual(hc.CapDrop, ['ALL']);
    assert.deepEqual(hc.CapAdd, []);
    assert.deepEqual(hc.SecurityOpt, ['no-new-privileges']);
    assert.equal(hc.Privileged, false);
    assert.deepEqual(hc.Devices, []);
    assert.equal(hc.Init, true);
    assert.equal(hc.NetworkMode, 'none');
    assert.equal(hc.OomKillDisable, false);
    assert.deepEqual(hc.LogConfig, { Type: 'none', Config: {} });
    assert.deepEqual(opts.Entrypoint, []);
    assert.deepEqual(opts.Cmd, spec.argv);
    assert.equal(opts.WorkingDir, '/wave/src');
    assert.equal(opts.Tty, false);
  });

  it('applies the profile limits: 4 GiB memory without swap, 2 CPUs, 1024 pids, capped tmpfs', () => {
    assert.equal(hc.Memory, 4 * 1024 ** 3);
    assert.equal(hc.MemorySwap, hc.Memory);
    assert.equal(hc.NanoCpus, 2e9);
    assert.equal(hc.PidsLimit, 1024);
    assert.match(hc.Tmpfs?.['/tmp'] ?? '', /(^|,)size=268435456(,|$)/);
    assert.match(hc.Tmpfs?.['/tmp'] ?? '', /nosuid,nodev/);
    assert.match(hc.Tmpfs?.['/home/wave'] ?? '', /size=536870912,uid=10001,gid=10001,mode=0700/);
  });

  it('lets the spec override limits and HOME', () => {
    const o = buildContainerSpec(
      {
        ...spec,
        home: '/home/agent',
        resources: { memoryBytes: 64 * 1024 ** 2, cpus: 0.5, pids: 64, tmpBytes: 1024, homeBytes: 2048 },
      },
      ctx(0),
    );
    assert.equal(o.HostConfig?.Memory, 64 * 1024 ** 2);
    assert.equal(o.HostConfig?.MemorySwap, 64 * 1024 ** 2);
    assert.equal(o.HostConfig?.NanoCpus, 5e8);
    assert.equal(o.HostConfig?.PidsLimit, 64);
    assert.match(o.HostConfig?.Tmpfs?.['/home/agent'] ?? '', /size=2048/);
    assert.ok(o.Env?.includes('HOME=/home/agent'));
  });

  it('mounts src and in read-only, out read-write from its own volume (never a host bind), at the fixed paths', () => {
    assert.deepEqual(
      hc.Mounts?.map((m) => [m.Source, m.Target, m.ReadOnly, m.Type]),
      [
        ['/ws/run/step/src', '/wave/src', true, 'bind'],
        ['wave-run-1-plan-2-x-out', '/wave/out', false, 'volume'],
        ['/ws/run/step/in', '/wave/in', true, 'bind'],
      ],
    );
    // Not seeded from the image's /wave/out: the volume holds exactly what Wave put there.
    assert.deepEqual(hc.Mounts?.[1]?.VolumeOptions, { NoCopy: true });
    assert.equal(hc.Binds, undefined);
  });

  it('passes env only through Config.Env, always with WAVE_* and HOME', () => {
    assert.deepEqual(opts.Env, [
      `ANTHROPIC_API_KEY=${SECRET}`,
      'FOO=bar',
      'HOME=/home/wave',
      'WAVE_SRC=/wave/src',
      'WAVE_IN=/wave/in',
      'WAVE_OUT=/wave/out',
    ]);
    const withoutEnv = JSON.stringify({ ...opts, Env: undefined });
    assert.ok(!withoutEnv.includes(SECRET), 'secret outside Config.Env');
  });

  it('labels the container for the reaper, without env values', () => {
    assert.deepEqual(opts.Labels, {
      'wave.managed': 'true',
      'wave.run': 'run-1',
      'wave.step': 'plan',
      'wave.attempt': '2',
      'wave.owner': 'box:4242',
      'wave.owner-start': '123',
    });
  });

  it('maps the user: root → 10001:10001, otherwise the invoking uid:gid', () => {
    assert.equal(opts.User, '10001:10001');
    assert.equal(buildContainerSpec(spec, ctx(1000, 1001)).User, '1000:1001');
    assert.match(
      buildContainerSpec(spec, ctx(1000, 1001)).HostConfig?.Tmpfs?.['/home/wave'] ?? '',
      /uid=1000,gid=1001/,
    );
    assert.deepEqual(containerUser({ uid: 0, gid: 0 }, profile), { uid: 10001, gid: 10001, user: '10001:10001' });
  });

  it('opens stdin only when there is input', () => {
    assert.deepEqual([opts.OpenStdin, opts.StdinOnce, opts.AttachStdin], [true, true, true]);
    const { stdin: _stdin, ...withoutStdin } = spec;
    const noStdin = buildContainerSpec(withoutStdin, ctx(0));
    assert.deepEqual([noStdin.OpenStdin, noStdin.StdinOnce, noStdin.AttachStdin], [false, false, false]);
  });

  it('rejects bad specs clearly (and never echoes env values)', () => {
    const bad = (s: Partial<SandboxSpec>, re: RegExp) =>
      assert.throws(() => buildContainerSpec({ ...spec, ...s }, ctx(0)), {
        code: 'sandbox_failed',
        message: re,
      });
    bad({ network: 'bridge' as 'none' }, /network "bridge" is not supported/);
    bad({ argv: [] }, /argv/);
    bad({ image: ' ' }, /image/);
    bad({ env: { HOME: '/root' } }, /HOME is set by the sandbox/);
    bad({ env: { WAVE_OUT: '/' } }, /WAVE_OUT/);
    bad({ env: { 'A-B': 'x' } }, /not a valid variable name/);
    bad({ mounts: { src: 'relative', out: '/o' } }, /mounts.src/);
    bad({ home: '/wave/home' }, /home/);
    bad({ resources: { pids: -1 } }, /resources.pids/);
    bad({ resources: { memoryBytes: 1.5 } }, /resources.memoryBytes/);
    bad({ labels: { run: 'a\nb', step: 's', attempt: 1 } }, /labels.run/);
    assert.throws(
      () => buildContainerSpec({ ...spec, env: { KEY: `${SECRET}\0` } }, ctx(0)),
      (err: Error) => !err.message.includes(SECRET) && /env KEY/.test(err.message),
    );
  });

  it('names containers readably and safely', () => {
    assert.equal(
      containerName({ ...spec, labels: { run: 'r/1 x', step: '..plan', attempt: 3 } }, 'abc'),
      'wave-r-1-x-plan-3-abc',
    );
  });
});

describe('withoutInit', () => {
  it("drops the image's own init, keeps the rest of its entrypoint", () => {
    assert.deepEqual(withoutInit(['/usr/bin/tini', '--', '/usr/local/bin/wave-entrypoint']), [
      '/usr/local/bin/wave-entrypoint',
    ]);
    assert.deepEqual(withoutInit(['/usr/bin/tini', '--']), []);
    assert.deepEqual(withoutInit(['tini', '-g', '-s', 'entry.sh']), ['entry.sh']);
    assert.deepEqual(withoutInit(['dumb-init', '--', 'x']), ['x']);
    assert.deepEqual(withoutInit(['/docker-entrypoint.sh']), ['/docker-entrypoint.sh']);
    assert.deepEqual(withoutInit(null), []);
  });

  it('is what the container gets as Entrypoint', () => {
    const o = buildContainerSpec(spec, {
      ...ctx(0),
      imageEntrypoint: ['/usr/bin/tini', '--', '/usr/local/bin/wave-entrypoint'],
    });
    assert.deepEqual(o.Entrypoint, ['/usr/local/bin/wave-entrypoint']);
    assert.deepEqual(o.Cmd, spec.argv);
  });

  it('a step container runs it under wave-hold, given on argv (no file to rewrite), below the engine init', () => {
    const o = buildContainerSpec(spec, {
      ...ctx(0),
      imageEntrypoint: ['/usr/bin/tini', '--', '/usr/local/bin/wave-entrypoint'],
      hold: { nonce: 'n1', seeded: true },
    });
    assert.deepEqual(o.Entrypoint, [
      '/bin/sh',
      '-c',
      HOLD_SCRIPT,
      'wave-hold',
      'n1',
      '1',
      '/usr/local/bin/wave-entrypoint',
    ]);
    assert.deepEqual(o.Cmd, spec.argv);
    assert.equal(o.HostConfig?.Init, true);
    assert.ok(!(o.HostConfig?.Mounts ?? []).some((m) => m.Target === '/bin/sh'));
  });
});

describe('image build hints', () => {
  it('names the exact command', () => {
    assert.equal(buildHintFor('wave/base:latest'), 'build it with: make base-image');
    assert.equal(buildHintFor('wave/claude:1a2b3c'), 'build it with: wave images build claude');
    assert.match(buildHintFor('alpine:3'), /docker pull alpine:3/);
  });
});
