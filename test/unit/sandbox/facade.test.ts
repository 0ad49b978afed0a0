// The Docker façade's rules, against a fake engine: clean-up never throws (a failure is a warning), a run's
// containers go before its volumes whoever owns them, and image checks tell "missing" from "the engine failed".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { isWaveError } from '../../../src/errors.js';
import { DockerEngine } from '../../../src/sandbox/docker/facade.js';
import { requireImages } from '../../../src/sandbox/docker/images.js';
import { resolveEngineTarget } from '../../../src/sandbox/docker/engine.js';

const status = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

interface Fake {
  containers: Array<{ Id: string; Labels: Record<string, string> }>;
  volumes: Array<{ Name: string; Labels: Record<string, string> }>;
  images: Record<string, string>;
  calls: string[];
  failList?: boolean;
  failRemove?: Record<string, Error>;
}

function fakeDocker(f: Fake): Docker {
  const matches = (labels: Record<string, string>, filter: { label?: string[] } | undefined) =>
    (filter?.label ?? []).every((l) => {
      const [k, v] = l.split('=');
      return labels[k as string] === v;
    });
  return {
    listContainers: async (o: { filters?: { label?: string[] } }) => {
      if (f.failList) throw status(500, 'engine busy');
      return f.containers.filter((c) => matches(c.Labels, o.filters));
    },
    listVolumes: async (o: { filters?: { label?: string[] } }) => ({
      Volumes: f.volumes.filter((v) => matches(v.Labels, o.filters)),
    }),
    getContainer: (id: string) => ({
      remove: async () => {
        f.calls.push(`rm ${id}`);
        const err = f.failRemove?.[id];
        if (err) throw err;
      },
    }),
    getVolume: (name: string) => ({ remove: async () => void f.calls.push(`rm volume ${name}`) }),
    getImage: (ref: string) => ({
      inspect: async () => {
        if (ref === 'broken') throw status(500, 'engine busy');
        const id = f.images[ref];
        if (id === undefined) throw status(404, `no such image: ${ref}`);
        return { Id: id };
      },
    }),
  } as unknown as Docker;
}

const engineOf = (f: Fake) => new DockerEngine(fakeDocker(f), resolveEngineTarget({}));
const labelsOf = (run: string) => ({ 'wave.managed': 'true', 'wave.run': run, 'wave.owner': 'elsewhere:1' });

describe('DockerEngine', () => {
  it('removeRun removes the run’s containers, then its volumes, and nothing of another run', async () => {
    const f: Fake = {
      containers: [
        { Id: 'step', Labels: labelsOf('r1') },
        { Id: 'gone', Labels: labelsOf('r1') },
        { Id: 'other', Labels: labelsOf('r2') },
      ],
      volumes: [
        { Name: 'r1-out', Labels: labelsOf('r1') },
        { Name: 'r2-out', Labels: labelsOf('r2') },
      ],
      images: {},
      calls: [],
      failRemove: { gone: status(404, 'no such container') },
    };
    assert.deepEqual(await engineOf(f).removeRun('r1'), { removed: ['step'] });
    assert.deepEqual(f.calls, ['rm step', 'rm gone', 'rm volume r1-out']);
  });

  it('a clean-up the engine refuses is a warning, never an exception', async () => {
    const f: Fake = { containers: [], volumes: [], images: {}, calls: [], failList: true };
    const reaped = await engineOf(f).reapOrphans();
    assert.deepEqual(reaped.removed, []);
    assert.match(reaped.warning ?? '', /^could not remove the containers of Wave processes that died: engine busy$/);
    const f2: Fake = {
      containers: [{ Id: 'step', Labels: labelsOf('r1') }],
      volumes: [],
      images: {},
      calls: [],
      failRemove: { step: status(500, 'device or resource busy') },
    };
    assert.match((await engineOf(f2).removeRun('r1')).warning ?? '', /run r1: device or resource busy/);
  });

  it('missing images: only a 404 is "missing"; each reference once; any other answer is sandbox_failed', async () => {
    const engine = engineOf({ containers: [], volumes: [], images: { 'wave/base:latest': 'sha256:1' }, calls: [] });
    const refs = ['wave/base:latest', 'wave/claude:latest', 'wave/claude:latest'];
    assert.deepEqual(await engine.missingImages(refs), ['wave/claude:latest']);
    await assert.rejects(engine.missingImages(['broken']), (err: unknown) => {
      assert.ok(isWaveError(err));
      assert.equal(err.code, 'sandbox_failed');
      assert.equal(err.message, 'cannot inspect image broken: engine busy');
      return true;
    });
  });

  it('requireImages names every missing image with the command that builds each', async () => {
    const docker = fakeDocker({ containers: [], volumes: [], images: {}, calls: [] });
    await assert.rejects(requireImages(docker, ['wave/claude:latest', 'wave/base:latest']), (err: unknown) => {
      assert.ok(isWaveError(err));
      assert.equal(err.code, 'image_missing');
      assert.equal(err.message, 'image(s) missing: wave/claude:latest, wave/base:latest');
      assert.equal(err.hint, 'build it with: wave images build claude; build it with: make base-image');
      return true;
    });
  });
});
