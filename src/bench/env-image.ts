// The task environments' images: a Dockerfile folder is built once per bench through the image service (tagged
// with its context's content hash, so a later bench with the same folder finds it built); an image reference must
// already be on the engine. Wave never pulls: a FROM that is not there fails the tasks of that environment.
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { buildOne } from '../images/build-one.js';
import { hashContext, readContext } from '../images/context.js';
import { imageIdOf } from '../images/engine.js';
import type { TaskEnvironment } from './types.js';

export const ENV_IMAGE_NAME = 'bench-env';

export class EnvironmentImages {
  /** One build per environment, shared by every task that needs it, failures included. */
  private readonly builds = new Map<string, Promise<string>>();
  /** Folders with the same contents (Harbor tasks sharing one environment) are one build too. */
  private readonly byHash = new Map<string, Promise<string>>();

  constructor(
    private readonly docker: Docker,
    private readonly namespace = 'wave',
  ) {}

  /** The image reference to run the task's evaluation in; rejects with the reason the image cannot be had. */
  imageFor(env: TaskEnvironment): Promise<string> {
    const key = env.kind === 'image' ? `image:${env.ref}` : `dir:${env.dir}`;
    let build = this.builds.get(key);
    if (!build) {
      build = env.kind === 'image' ? this.present(env.ref) : this.build(env.dir);
      this.builds.set(key, build);
    }
    return build;
  }

  private async present(ref: string): Promise<string> {
    if ((await imageIdOf(this.docker, ref)) === undefined) {
      throw new WaveError('image_missing', `image ${ref} is not on the Docker engine (Wave never pulls)`);
    }
    return ref;
  }

  private async build(dir: string): Promise<string> {
    const parentRef = firstFrom(await fs.readFile(path.join(dir, 'Dockerfile'), 'utf8'));
    if (!parentRef) throw new WaveError('sandbox_failed', `${dir}/Dockerfile: no FROM line`);
    const parentId = await imageIdOf(this.docker, parentRef);
    if (parentId === undefined) {
      throw new WaveError(
        'image_missing',
        `${dir}/Dockerfile: FROM ${parentRef} is not on the engine (Wave never pulls)`,
      );
    }
    const key = hashContext(await readContext(dir), {}, parentId);
    let build = this.byHash.get(key);
    if (!build) {
      build = buildOne(
        this.docker,
        {
          spec: { name: ENV_IMAGE_NAME, dir, parent: { kind: 'ref', ref: parentRef } },
          namespace: this.namespace,
          parent: { ref: parentRef, id: parentId },
          buildArgs: {},
          extraFiles: [],
          noCache: false,
        },
        () => undefined,
      ).then((built) => built.ref);
      this.byHash.set(key, build);
    }
    return build;
  }
}

/** The image of the first FROM (`FROM [--platform=…] image [AS name]`). */
export function firstFrom(dockerfile: string): string | undefined {
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
