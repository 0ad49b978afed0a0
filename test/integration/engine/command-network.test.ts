// Command steps and test_suite contracts that declare a network get the agents' egress: the bridge in the
// container, the host's proxy enforcing the allowlist, every decision in the run's egress log. The servers are
// loopback servers of this process, reached by *.wave.test names through runtime.sandbox.hosts (no DNS is asked).
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, ndjsonEvents, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWaveAsync } from '../../support/run-cli.js';
import { httpServer, type CountingServer } from '../../unit/sandbox/egress/helpers.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

interface Decision {
  type: string;
  stepId?: string;
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
}

describe('command steps through the egress proxy', { skip }, () => {
  let dir: string;
  let registry: CountingServer;
  let other: CountingServer;

  before(async () => {
    registry = await httpServer((req, res) => res.end(`package ${req.url}`));
    other = await httpServer((_req, res) => res.end('should never be reached'));
    dir = createCommandProject('wave-cmdnet-');
    writeFileSync(
      path.join(dir, 'wave.yaml'),
      'apiVersion: v1\nkind: WaveManifest\nmetadata: {name: cmdnet}\n' +
        'runtime:\n  sandbox:\n    hosts: {registry.wave.test: 127.0.0.1, other.wave.test: 127.0.0.1}\n',
    );
  });
  after(async () => {
    await registry?.close();
    await other?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const egressLog = (runId: string) =>
    readFileSync(path.join(dir, '.wave', 'traces', runId, 'egress.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  test('reaches the allowlisted host, is refused elsewhere, gets no gateway; both decisions are logged', async () => {
    const allowed = `registry.wave.test:${registry.port}`;
    writePipeline(
      dir,
      'install',
      `  - id: install
    exec:
      type: command
      script: |
        curl -sS http://${allowed}/left-pad > /wave/out/package.txt
        curl -sS -o /dev/null -w '%{http_code}' http://other.wave.test:${other.port}/ > /wave/out/other.txt
        curl --noproxy '*' -sS -m 5 http://127.0.0.1:${other.port}/ >/dev/null 2>&1; echo $? > /wave/out/direct.txt
        (env | grep -E '_BASE_URL|_API_KEY' || true) > /wave/out/provider-env.txt
        ls /wave/run > /wave/out/sockets.txt
    sandbox: {network: allowlist, allowed_domains: ["${allowed}"]}
    output_artifacts:
      - {name: package, path: package.txt}
      - {name: other, path: other.txt}
      - {name: direct, path: direct.txt}
      - {name: provider-env, path: provider-env.txt, required: false}
      - {name: sockets, path: sockets.txt}
    handover:
      contracts:
        - type: test_suite
          command: "curl -fsS http://${allowed}/from-the-contract"
          network: allowlist
          allowed_domains: ["${allowed}"]
`,
    );
    const res = await runWaveAsync(['run', 'install', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-3000));
    const runId = runIdOf(res.stdout);
    const out = (name: string) =>
      readFileSync(path.join(dir, '.wave', 'workspaces', runId, 'install', 'out', name), 'utf8').trim();
    assert.equal(out('package.txt'), 'package /left-pad');
    assert.equal(out('other.txt'), '403');
    assert.notEqual(out('direct.txt'), '0', 'no way out but the proxy');
    assert.equal(out('provider-env.txt'), '', 'no model gateway and no provider key for a command step');
    assert.equal(out('sockets.txt'), 'egress.sock');
    assert.equal(other.connections, 0, 'nothing reached the refused server');

    const log = egressLog(runId).map(
      (r) => `${r.step} ${r.host}:${r.port} ${r.allowed ? 'allowed' : 'denied'} ${r.reason}`,
    );
    assert.deepEqual(log, [
      `install ${allowed} allowed exact_entry`,
      `install other.wave.test:${other.port} denied not_allowlisted`,
      `install ${allowed} allowed exact_entry`, // the test_suite contract
    ]);
    const decisions = ndjsonEvents<Decision>(res.stdout).filter((e) => e.type === 'egress_decision');
    assert.deepEqual(
      decisions.map((d) => `${d.stepId} ${d.host} ${d.allowed}`),
      ['install registry.wave.test true', 'install other.wave.test false', 'install registry.wave.test true'],
    );
  });

  test('-v shows the container and every egress decision on stderr', async () => {
    writePipeline(
      dir,
      'probe',
      `  - id: probe
    exec: {type: command, script: "curl -sS -o /dev/null http://other.wave.test:${other.port}/ || true"}
    sandbox: {allowed_domains: ["registry.wave.test:${registry.port}"]}
`,
    );
    const res = await runWaveAsync(['run', 'probe', '-v'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout);
    assert.match(
      res.stderr,
      /wave: \[info\] sandbox created: run=\S+ step=probe attempt=1 containerId=[0-9a-f]{64} image=wave\/base:latest/,
    );
    assert.match(
      res.stderr,
      new RegExp(`wave: \\[egress\\] probe: denied other\\.wave\\.test:${other.port} \\(not_allowlisted\\)`),
    );
    assert.equal(other.connections, 0);
  });
});
