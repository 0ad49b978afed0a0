// `wave doctor`'s Docker checks against the real engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerDoctor } from '../../../src/sandbox/docker/doctor.js';
import { connectDocker } from '../../../src/sandbox/docker/engine.js';
import { TEST_IMAGE, sandboxTestEnv } from './support.js';

const env = await sandboxTestEnv();

describe('docker doctor and engine selection', { skip: env.skip }, () => {
  it('reports the engine, limits, images present and missing (with the build hint), orphans', async () => {
    const report = await dockerDoctor({ images: [TEST_IMAGE, 'wave/not-built-yet:latest'] });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.engine?.status, 'ok');
    assert.match(byId.engine?.summary ?? '', /^Docker \S+ \(API \d+\.\d+\) at (unix|tcp|ssh|npipe):\/\//);
    assert.ok(byId.limits);
    assert.equal(byId.images?.status, 'fail');
    assert.deepEqual(byId.images?.details?.missing, ['wave/not-built-yet:latest']);
    assert.match(byId.images?.hint ?? '', /wave images build not-built-yet/);
    assert.ok(['ok', 'warn'].includes(byId.orphans?.status ?? ''));
    assert.equal(report.ok, false);
  });

  it('connects through an explicit DOCKER_HOST=unix://', async () => {
    const { target } = await connectDocker({ env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    assert.equal(target.address, 'unix:///var/run/docker.sock');
    assert.equal(target.dockerHost, 'unix:///var/run/docker.sock');
  });
});
