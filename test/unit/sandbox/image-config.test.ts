import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ImageConfigCache } from '../../../src/sandbox/docker/image-config.js';

/** A client whose image inspect answers from `answers` (an Error rejects) and counts the calls. */
function fakeDocker(answers: Record<string, object | Error>): { docker: Docker; calls: string[] } {
  const calls: string[] = [];
  const docker = {
    getImage: (name: string) => ({
      inspect: async () => {
        calls.push(name);
        const answer = answers[name] ?? Object.assign(new Error('no such image'), { statusCode: 404 });
        if (answer instanceof Error) throw answer;
        return answer;
      },
    }),
  } as unknown as Docker;
  return { docker, calls };
}

const base = {
  Config: { Entrypoint: ['/usr/bin/tini', '--', '/usr/local/bin/wave-entrypoint'], Labels: { 'wave.bridge': '1' } },
};

describe('image config cache', () => {
  it('asks the engine once for concurrent and later steps of the same image', async () => {
    const { docker, calls } = fakeDocker({ 'wave/base:latest': base });
    const cache = new ImageConfigCache();
    const [a, b] = await Promise.all([cache.get(docker, 'wave/base:latest'), cache.get(docker, 'wave/base:latest')]);
    const c = await cache.get(docker, 'wave/base:latest');
    assert.deepEqual(calls, ['wave/base:latest']);
    assert.deepEqual(a, { entrypoint: base.Config.Entrypoint, labels: base.Config.Labels });
    assert.equal(b, a);
    assert.equal(c, a);
  });

  it('asks again once the entry is older than the TTL (a rebuilt tag is seen)', async () => {
    const { docker, calls } = fakeDocker({ img: base });
    let now = 1_000;
    const cache = new ImageConfigCache(100, () => now);
    await cache.get(docker, 'img');
    now += 99;
    await cache.get(docker, 'img');
    now += 1;
    await cache.get(docker, 'img');
    assert.deepEqual(calls, ['img', 'img']);
  });

  it('does not remember failures: a missing image is looked up again', async () => {
    const answers: Record<string, object | Error> = {};
    const { docker, calls } = fakeDocker(answers);
    const cache = new ImageConfigCache();
    await assert.rejects(cache.get(docker, 'later'), (err: { statusCode?: number }) => err.statusCode === 404);
    answers.later = base;
    assert.deepEqual((await cache.get(docker, 'later')).entrypoint, base.Config.Entrypoint);
    assert.deepEqual(calls, ['later', 'later']);
  });

  it('forget drops an entry', async () => {
    const { docker, calls } = fakeDocker({ img: base });
    const cache = new ImageConfigCache();
    await cache.get(docker, 'img');
    cache.forget('img');
    await cache.get(docker, 'img');
    assert.deepEqual(calls, ['img', 'img']);
  });
});
