// Every agent CLI answers --version in its image under the sandbox's hardening: the image needs nothing in
// HOME beforehand, nothing writable outside /tmp and HOME, no capability and no network.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { defaultCatalog, imageRefFor } from '../../../src/images/catalog.js';
import { dockerForTests, dockerRequired } from '../../support/docker.js';
import { runHardened } from './harden.js';

// WAVE_TEST_IMAGE_NAMESPACE lets the suite check a set of images built under another namespace.
const namespace = process.env.WAVE_TEST_IMAGE_NAMESPACE ?? 'wave';
/** Versions pinned in images/<name>/Dockerfile. */
const expected: Record<string, RegExp> = {
  claude: /^2\.1\.330 \(Claude Code\)$/m,
  codex: /^codex-cli 0\.169\.0$/m,
  gemini: /^0\.61\.0$/m,
  opencode: /^1\.18\.33$/m,
};
/** CI builds base and claude (`make images`); the other adapter images are optional there. */
const requiredInCi = new Set(['claude']);

describe('agent CLI images under the sandbox hardening', async () => {
  const { docker, skip } = await dockerForTests();
  const present = new Map<string, boolean>();
  before(async () => {
    if (skip) return;
    for (const spec of defaultCatalog()) {
      present.set(
        spec.name,
        await docker
          .getImage(imageRefFor(spec.name, namespace))
          .inspect()
          .then(
            () => true,
            () => false,
          ),
      );
    }
  });

  for (const spec of defaultCatalog().filter((s) => s.versionArgv !== undefined)) {
    const ref = imageRefFor(spec.name, namespace);
    it(`${spec.name}: ${spec.versionArgv?.join(' ')} in ${ref}`, { skip }, async (t) => {
      if (!present.get(spec.name)) {
        const reason = `${ref} is missing (run: wave images build ${spec.name})`;
        if (dockerRequired() && requiredInCi.has(spec.name)) assert.fail(`${reason}; required under CI=true`);
        t.skip(reason);
        return;
      }
      const res = await runHardened(docker, ref, spec.versionArgv ?? []);
      assert.equal(res.exitCode, 0, `exit ${res.exitCode}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
      assert.match(res.stdout, expected[spec.name] ?? /./);
    });
  }

  // Settings that turn telemetry off where no env switch exists; wave-entrypoint copies them into the tmpfs HOME.
  const seeded: Record<string, [string, RegExp]> = {
    codex: ['.codex/config.toml', /\[analytics\]\s+enabled = false/],
    gemini: ['.gemini/settings.json', /"usageStatisticsEnabled": false/],
  };
  for (const [name, [file, pattern]] of Object.entries(seeded)) {
    const ref = imageRefFor(name, namespace);
    it(`${name}: the tmpfs HOME is seeded with ~/${file}`, { skip }, async (t) => {
      if (!present.get(name)) {
        t.skip(`${ref} is missing (run: wave images build ${name})`);
        return;
      }
      const res = await runHardened(docker, ref, ['sh', '-c', `cat "$HOME/${file}"`]);
      assert.equal(res.exitCode, 0, res.stderr);
      assert.match(res.stdout, pattern);
    });
  }

  it('runs as uid 10001 with a read-only root, writable tmpfs HOME and no network', { skip }, async (t) => {
    const ref = imageRefFor('base', namespace);
    if (!present.get('base')) {
      if (dockerRequired()) assert.fail(`${ref} is missing; required under CI=true`);
      t.skip(`${ref} is missing (run: wave images build base)`);
      return;
    }
    const res = await runHardened(docker, ref, [
      'sh',
      '-c',
      'id -u; touch /etc/x 2>/dev/null && echo rootfs-writable || echo rootfs-ro; touch "$HOME/x" && echo home-rw; ' +
        'ls /sys/class/net; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status',
    ]);
    assert.equal(res.exitCode, 0, res.stderr);
    const lines = res.stdout.split('\n');
    assert.equal(lines[0], '10001');
    assert.ok(lines.includes('rootfs-ro'), res.stdout);
    assert.ok(lines.includes('home-rw'), res.stdout);
    assert.ok(lines.includes('lo') && !lines.includes('eth0'), `only loopback: ${res.stdout}`);
    assert.match(res.stdout, /CapEff:\s+0000000000000000/);
    assert.match(res.stdout, /NoNewPrivs:\s+1/);
  });
});
