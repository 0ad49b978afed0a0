// Sidecar mode, for images without node: the bridge runs in its own hardened container (network none) and the
// step joins its network namespace (NetworkMode container:<id>), keeping loopback as its only interface.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import { httpServer, within, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runContainer, startContainer } from './support.js';

const env = await egressTestEnv();

describe('egress bridge as a sidecar (container)', { skip: env.skip }, () => {
  let web: CountingServer;
  let session: EgressSession;

  before(async () => {
    web = await httpServer((req, res) => res.end(`sidecar ok ${req.url}`));
    session = await startEgressSession({
      step: 'sidecar',
      egress: {
        mode: 'allowlist',
        allow: [`api.wave.test:${web.port}`],
        hosts: { 'api.wave.test': '127.0.0.1' },
        providers: [],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      lookup: async (name) => {
        throw new Error(`test resolver refuses ${name}`);
      },
      ...bridgeOption(env),
    });
  });

  after(async () => {
    await cleanup(env);
    await session?.close();
    await web?.close();
  });

  it('the step reaches an allowed host through the sidecar, and still has only lo', async () => {
    const attachment = session.attachment(false)!;
    assert.equal(attachment.mode, 'sidecar');
    const sidecar = attachment.sidecar!;
    const side = await startContainer(env, { argv: sidecar.argv, mounts: sidecar.mounts });
    try {
      await within(
        (async () => {
          while (!side.output().stdout.includes(sidecar.readyLine)) await new Promise((r) => setTimeout(r, 50));
        })(),
        20_000,
        `sidecar ready line (stderr: ${side.output().stderr})`,
      );
      const script = `curl -sS http://api.wave.test:${web.port}/via-sidecar; echo; ls /sys/class/net`;
      const r = await runContainer(env, {
        argv: attachment.wrapArgv(['sh', '-c', script]),
        env: attachment.env,
        mounts: attachment.mounts,
        networkMode: sidecar.stepNetworkMode(side.container.id),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['sidecar ok /via-sidecar', 'lo']);
    } finally {
      await side.container.remove({ force: true }).catch(() => undefined);
    }
  });
});
