// Shared set-up for the sandbox integration tests: engine/image availability (skipped locally without Docker,
// failing under CI=true), throwaway workspaces, a unique run label per test file so cleanup only ever touches
// this file's containers, and a logger that records everything the sandbox logs.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import type Docker from 'dockerode';
import { dockerForTests, imageForTests, TEST_IMAGE } from '../../support/docker.js';
import { LABELS } from '../../../src/sandbox/docker/labels.js';
import type { SandboxLogger, SandboxSpec } from '../../../src/sandbox/types.js';

export { TEST_IMAGE };

export interface Env {
  docker: Docker;
  skip: false | string;
}

export async function sandboxTestEnv(): Promise<Env> {
  const { docker, skip } = await dockerForTests();
  return { docker, skip: skip || (await imageForTests(docker)) };
}

export interface Workspace {
  root: string;
  src: string;
  in: string;
  out: string;
}

const workspaces: string[] = [];

/** src/ (with a file), in/ and out/ under a fresh temp dir; src and in readable by the container user. */
export async function makeWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'wave-sbx-'));
  workspaces.push(root);
  await chmod(root, 0o755);
  const ws = { root, src: join(root, 'src'), in: join(root, 'in'), out: join(root, 'out') };
  for (const dir of [ws.src, ws.in, ws.out]) await mkdir(dir, { mode: 0o755 });
  await writeFile(join(ws.src, 'README.md'), 'source snapshot\n');
  return ws;
}

export function uniqueRunId(prefix: string): string {
  return `test-${prefix}-${nanoid(6).replace(/[^a-zA-Z0-9]/g, 'x')}`;
}

export function stepSpec(run: string, ws: Workspace, argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    image: TEST_IMAGE,
    argv,
    mounts: { src: ws.src, in: ws.in, out: ws.out },
    labels: { run, step: 'step', attempt: 1 },
    ...extra,
  };
}

/** Removes every container and /wave/out volume of this test run (only ones labelled with its run id) and the temp dirs. */
export async function cleanup(docker: Docker, run: string): Promise<void> {
  const list = await docker
    .listContainers({ all: true, filters: { label: [`${LABELS.run}=${run}`, `${LABELS.managed}=true`] } })
    .catch(() => []);
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const volumes = await volumesOf(docker, run).catch(() => []);
  await Promise.all(
    volumes.map((name) =>
      docker
        .getVolume(name)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Containers of a run: steps, and (with role `out`) the holders of their /wave/out volumes. */
export async function containersOf(
  docker: Docker,
  run: string,
  role?: 'step' | 'out',
): Promise<Docker.ContainerInfo[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.run}=${run}`] } });
  if (role === undefined) return list;
  return list.filter((c) => (c.Labels[LABELS.role] ?? 'step') === role);
}

/** Names of the /wave/out volumes a run has. */
export async function volumesOf(docker: Docker, run: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABELS.run}=${run}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

export function recordingLogger(): SandboxLogger & { records: string[] } {
  const records: string[] = [];
  const rec = (level: string) => (obj: object, msg?: string) => records.push(JSON.stringify({ level, ...obj, msg }));
  return { records, debug: rec('debug'), info: rec('info'), warn: rec('warn') };
}

/** Lines of one stream, collected through onLine. */
export function lineCollector() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    onLine: (l: { stream: 'stdout' | 'stderr'; text: string }) =>
      void (l.stream === 'stdout' ? stdout : stderr).push(l.text),
  };
}
