// The /wave/out quota and the tmpfs volume that enforces it, without an engine: what the kernel is asked to cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outVolumeName, outVolumeOptions } from '../../../src/sandbox/docker/out-volume.js';
import { outQuota } from '../../../src/sandbox/docker/spec.js';
import { loadSandboxProfile } from '../../../src/sandbox/profile.js';

const profile = loadSandboxProfile();
const MiB = 1024 ** 2;

describe('outQuota', () => {
  it('defaults to the profile: 1 GiB and 10000 files and directories', () => {
    assert.deepEqual(outQuota({}, profile), { maxBytes: 1024 ** 3, maxFiles: 10_000, maxDepth: 32 });
  });

  it('takes the spec’s resources over the profile', () => {
    assert.deepEqual(outQuota({ resources: { outBytes: 8 * MiB, outFiles: 20 } }, profile), {
      maxBytes: 8 * MiB,
      maxFiles: 20,
      maxDepth: 32,
    });
  });

  it('a default quota shrinks to a smaller memory limit; only an explicit one above it is refused', () => {
    assert.equal(outQuota({ resources: { memoryBytes: 64 * MiB } }, profile).maxBytes, 64 * MiB);
    assert.equal(outQuota({ resources: { memoryBytes: 64 * MiB, outBytes: 64 * MiB } }, profile).maxBytes, 64 * MiB);
  });

  it('refuses bad values and a quota larger than the memory it lives in', () => {
    const bad = (resources: object, re: RegExp) =>
      assert.throws(() => outQuota({ resources }, profile), { code: 'sandbox_failed', message: re });
    bad({ outBytes: 0 }, /resources.outBytes/);
    bad({ outBytes: 1.5 }, /resources.outBytes/);
    bad({ outFiles: -3 }, /resources.outFiles/);
    bad({ outBytes: 2 * 1024 ** 3, memoryBytes: 1024 ** 3 }, /larger than the memory limit.*resources.memory/);
    assert.throws(
      () => outQuota({ resources: { outBytes: 2 * 1024 ** 3, memoryBytes: 1024 ** 3 } }, profile),
      (err: Error & { hint?: string }) => /resources.out_size/.test(err.hint ?? ''),
    );
  });
});

describe('outVolumeOptions', () => {
  const labels = { 'wave.managed': 'true', 'wave.run': 'r', 'wave.owner': 'box:1' };
  const options = outVolumeOptions(
    'wave-r-s-1-x-out',
    { maxBytes: 8 * MiB, maxFiles: 20, maxDepth: 32 },
    { uid: 10001, gid: 10002 },
    labels,
    true,
  );

  it('is a tmpfs of the local driver, capped in bytes and inodes, owned by the step user, nosuid/nodev', () => {
    assert.equal(options.Name, 'wave-r-s-1-x-out');
    assert.equal(options.Driver, 'local');
    assert.equal(options.DriverOpts?.type, 'tmpfs');
    assert.equal(options.DriverOpts?.device, 'tmpfs');
    const o = Object.fromEntries(
      (options.DriverOpts?.o ?? '').split(',').map((kv) => kv.split('=') as [string, string?]),
    );
    // quota + a page per allowed file (tmpfs rounds every file up to pages) + 1 MiB to go over by
    assert.equal(Number(o.size), 8 * MiB + 20 * 4096 + MiB);
    // the quota, the root directory, and one more to go over by
    assert.equal(Number(o.nr_inodes), 22);
    assert.deepEqual([o.mode, o.uid, o.gid], ['0700', '10001', '10002']);
    assert.ok('nosuid' in o && 'nodev' in o && !('noexec' in o));
  });

  it('carries the step labels and the out role, for the reaper', () => {
    assert.deepEqual(options.Labels, { ...labels, 'wave.role': 'out' });
  });

  it('is noexec when the profile says tmpfs is', () => {
    assert.match(
      outVolumeOptions('v', { maxBytes: MiB, maxFiles: 1, maxDepth: 1 }, { uid: 1, gid: 1 }, {}, false).DriverOpts?.o ??
        '',
      /,noexec$/,
    );
  });

  it('is named after its container', () => {
    assert.equal(outVolumeName('wave-run-step-1-abc'), 'wave-run-step-1-abc-out');
  });
});
