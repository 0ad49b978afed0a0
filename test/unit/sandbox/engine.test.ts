// Engine selection like the docker CLI, and the one-line error when there is no engine.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connectDocker, resolveEngineTarget } from '../../../src/sandbox/docker/engine.js';

describe('resolveEngineTarget', () => {
  it('defaults to /var/run/docker.sock', () => {
    const t = resolveEngineTarget({});
    assert.deepEqual([t.kind, t.address, t.dockerHost], ['unix', 'unix:///var/run/docker.sock', undefined]);
    assert.equal(t.options.socketPath, '/var/run/docker.sock');
    assert.ok('host' in t.options && t.options.host === undefined, 'overrides docker-modem env defaults');
  });

  it('unix://', () => {
    const t = resolveEngineTarget({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' });
    assert.equal(t.options.socketPath, '/run/user/1000/docker.sock');
    assert.equal(t.address, 'unix:///run/user/1000/docker.sock');
  });

  it('tcp:// plain, and with TLS from DOCKER_CERT_PATH', async () => {
    const plain = resolveEngineTarget({ DOCKER_HOST: 'tcp://10.0.0.5:2375' });
    assert.deepEqual(
      [plain.kind, plain.tls, plain.options.protocol, plain.options.host, plain.options.port],
      ['tcp', false, 'http', '10.0.0.5', '2375'],
    );
    const dir = await mkdtemp(join(tmpdir(), 'wave-certs-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, f), `--${f}--`);
      const tls = resolveEngineTarget({
        DOCKER_HOST: 'tcp://docker.example:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: dir,
      });
      assert.deepEqual([tls.tls, tls.options.protocol, String(tls.options.ca)], [true, 'https', '--ca.pem--']);
      assert.throws(
        () =>
          resolveEngineTarget({
            DOCKER_HOST: 'tcp://x:2376',
            DOCKER_TLS_VERIFY: '1',
            DOCKER_CERT_PATH: join(dir, 'nope'),
          }),
        {
          code: 'docker_unavailable',
          message: /cannot read TLS certificates/,
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ssh:// with user and port', () => {
    const t = resolveEngineTarget({ DOCKER_HOST: 'ssh://deploy@build-box:2222', SSH_AUTH_SOCK: '/tmp/agent' });
    assert.deepEqual(
      [t.kind, t.options.protocol, t.options.host, t.options.port, t.options.username],
      ['ssh', 'ssh', 'build-box', '2222', 'deploy'],
    );
    assert.equal(t.address, 'ssh://deploy@build-box:2222');
  });

  it('rejects a malformed DOCKER_HOST', () => {
    assert.throws(() => resolveEngineTarget({ DOCKER_HOST: 'ftp://x' }), {
      code: 'docker_unavailable',
      message: /unsupported scheme/,
    });
  });
});

describe('connectDocker without an engine', () => {
  it('fails with one line and a hint', async () => {
    await assert.rejects(
      connectDocker({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, timeoutMs: 2000 }),
      (err: Error & { code?: string; hint?: string }) => {
        assert.equal(err.code, 'docker_unavailable');
        assert.equal(
          err.message,
          'cannot reach the Docker engine at unix:///nonexistent/docker.sock (no socket there)',
        );
        assert.ok(!err.message.includes('\n'));
        assert.match(err.hint ?? '', /is dockerd running\? start it or set DOCKER_HOST/);
        return true;
      },
    );
  });

  it('importing the sandbox module does not load dockerode', async () => {
    const { execFileSync } = await import('node:child_process');
    const code =
      "await import('./src/sandbox/index.ts'); const m = await import('node:module'); const req = m.createRequire(import.meta.url); console.log(Object.keys(req.cache).some((k) => k.includes('/dockerode/')))";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: new URL('../../../', import.meta.url),
    })
      .toString()
      .trim();
    assert.equal(out, 'false');
  });
});
