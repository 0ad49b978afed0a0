// The build service on a tiny test-only image (FROM the base, one file) so it runs in seconds: a second build
// with no change builds nothing, a changed file gives a new hash tag and moves `latest`, list and prune see it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WaveError } from '../../../src/errors.js';
import { buildImages, ensureImage, listImages, pruneImages } from '../../../src/images/index.js';
import type { BuildProgress, BuildResult, ImageSpec } from '../../../src/images/types.js';
import { TEST_IMAGE, dockerForTests, imageForTests } from '../../support/docker.js';

// A namespace of its own, so nothing here can touch the real wave/* images.
const namespace = `wavetest${process.pid}`;

describe('image build service (test-only image)', async () => {
  const { docker, skip: noDocker } = await dockerForTests();
  const skip = noDocker || (await imageForTests(docker));
  let dir: string;
  let catalog: ImageSpec[];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wave-probe-'));
    await writeFile(
      path.join(dir, 'Dockerfile'),
      'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY hello.txt /etc/wave/hello.txt\n',
    );
    await writeFile(path.join(dir, 'hello.txt'), 'one\n');
    catalog = [{ name: 'probe', dir, parent: { kind: 'ref', ref: TEST_IMAGE } }];
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    if (skip) return;
    for (const info of await docker.listImages()) {
      for (const tag of info.RepoTags ?? [])
        if (tag.startsWith(`${namespace}/`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => {});
    }
  });

  const build = async (events: BuildProgress[] = []): Promise<BuildResult> => {
    const [result] = await buildImages({ namespace, catalog, docker: docker }, (e) => events.push(e));
    assert.ok(result);
    return result;
  };

  let first: BuildResult;

  it('builds, tags <version>-<hash> and latest, and reports progress by step', { skip }, async () => {
    const events: BuildProgress[] = [];
    first = await build(events);
    assert.equal(first.status, 'built');
    assert.match(first.ref, new RegExp(`^${namespace}/probe:\\d+\\.\\d+\\.\\d+.*-[0-9a-f]{12}$`));
    assert.equal(first.latestRef, `${namespace}/probe:latest`);
    assert.equal((await docker.getImage(first.latestRef).inspect()).Id, first.imageId);
    assert.ok(
      events.some((e) => e.phase === 'build' && e.step?.index === 3 && /COPY hello/.test(e.step.instruction)),
      'Step progress',
    );
    assert.ok(events.some((e) => e.phase === 'done'));
  });

  it('builds nothing the second time: cached, same image id', { skip }, async () => {
    const events: BuildProgress[] = [];
    const again = await build(events);
    assert.equal(again.status, 'cached');
    assert.equal(again.imageId, first.imageId);
    assert.equal(again.ref, first.ref);
    assert.ok(!events.some((e) => e.phase === 'build'), 'no builder call');
  });

  it('rebuilds when a file changes: new hash tag, latest moves, the old tag stays until pruned', { skip }, async () => {
    await writeFile(path.join(dir, 'hello.txt'), 'two\n');
    const second = await build();
    assert.equal(second.status, 'built');
    assert.notEqual(second.hash, first.hash);
    assert.notEqual(second.imageId, first.imageId);
    assert.equal((await docker.getImage(`${namespace}/probe:latest`).inspect()).Id, second.imageId);
    assert.equal((await docker.getImage(first.ref).inspect()).Id, first.imageId);

    const rows = await listImages({
      namespace,
      docker: docker,
      adapterImages: { probe: `${namespace}/probe:latest` },
    });
    const byTag = new Map(rows.map((r) => [r.tag, r]));
    assert.equal(byTag.get('latest')?.current, true);
    assert.deepEqual(byTag.get('latest')?.usedBy, ['probe']);
    assert.equal(byTag.get(first.ref.split(':')[1] ?? '')?.current, false);
    assert.ok((byTag.get('latest')?.sizeBytes ?? 0) > 0);

    const dry = await pruneImages({ namespace, docker: docker, dryRun: true });
    assert.deepEqual(dry.removed, [first.ref]);
    assert.equal((await docker.getImage(first.ref).inspect()).Id, first.imageId, 'dry run removes nothing');
  });

  it('prune keeps an old build a container still uses, and removes it once unused', { skip }, async () => {
    const holder = await docker.createContainer({
      Image: first.ref,
      Cmd: ['true'],
      Labels: { 'wave.owner': 'test-images' },
    });
    try {
      const held = await pruneImages({ namespace, docker: docker });
      assert.deepEqual(held.removed, []);
      assert.deepEqual(held.inUse, [first.ref]);
    } finally {
      await holder.remove({ force: true });
    }
    const pruned = await pruneImages({ namespace, docker: docker });
    assert.deepEqual(pruned.removed, [first.ref]);
    assert.deepEqual(pruned.failed, []);
    await assert.rejects(
      docker.getImage(first.ref).inspect(),
      (err: { statusCode?: number }) => err.statusCode === 404,
    );
    await ensureImage(docker, `${namespace}/probe:latest`, namespace);
  });

  it('ensureImage refuses a missing image with the command that builds it', { skip }, async () => {
    await assert.rejects(ensureImage(docker, 'wave/claude:no-such-tag'), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'image_missing');
      assert.equal(err.hint, 'run: wave images build claude');
      return true;
    });
  });

  it('a failing step surfaces its output', { skip }, async () => {
    await writeFile(
      path.join(dir, 'Dockerfile'),
      'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo probe-went-wrong >&2; exit 7\n',
    );
    await assert.rejects(build(), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.match(err.message, /step 3\/\d+ \(RUN echo probe-went-wrong.*\): the command exited with code 7/);
      assert.ok(
        err.details.some((l) => l.includes('probe-went-wrong')),
        err.details.join('\n'),
      );
      return true;
    });
  });
});
