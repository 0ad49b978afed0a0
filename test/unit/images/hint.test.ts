import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { WaveError } from '../../../src/errors.js';
import { ensureImage, missingImageHint } from '../../../src/images/hint.js';

/** Just enough of dockerode for ensureImage: inspect answers 404 for unknown references. */
function fakeDocker(present: Record<string, string>): Docker {
  return {
    getImage: (ref: string) => ({
      inspect: async () => {
        const id = present[ref];
        if (id === undefined) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
        return { Id: id };
      },
    }),
  } as unknown as Docker;
}

describe('missing images', () => {
  it('hints the exact wave command for Wave images', () => {
    assert.equal(missingImageHint('wave/claude:latest'), 'run: wave images build claude');
    assert.equal(missingImageHint('wave/base'), 'run: wave images build base');
    assert.equal(missingImageHint('wave/opencode:0.1.0-0123456789ab'), 'run: wave images build opencode');
  });

  it('hints docker pull for anything else', () => {
    assert.match(
      missingImageHint('example.invalid/acme/agent:2'),
      /^run: docker pull example\.invalid\/acme\/agent:2\b/,
    );
    assert.match(missingImageHint('wave/unknown:latest'), /^run: docker pull wave\/unknown:latest/);
  });

  it('ensureImage returns the id of a present image', async () => {
    assert.equal(await ensureImage(fakeDocker({ 'wave/claude:latest': 'sha256:1' }), 'wave/claude:latest'), 'sha256:1');
  });

  it('ensureImage refuses a missing image with image_missing and the build command', async () => {
    await assert.rejects(ensureImage(fakeDocker({}), 'wave/gemini:latest'), (err: unknown) => {
      assert.ok(err instanceof WaveError);
      assert.equal(err.code, 'image_missing');
      assert.equal(err.exitCode, 6);
      assert.match(err.message, /wave\/gemini:latest/);
      assert.equal(err.hint, 'run: wave images build gemini');
      return true;
    });
  });

  it('ensureImage passes other engine errors through', async () => {
    const docker = {
      getImage: () => ({
        inspect: async () => {
          throw Object.assign(new Error('boom'), { statusCode: 500 });
        },
      }),
    } as unknown as Docker;
    await assert.rejects(ensureImage(docker, 'wave/claude:latest'), /boom/);
  });
});
