// Docker checks for `wave doctor`, as data (the CLI renders them): is the engine reachable and which one, can it
// enforce the limits Wave relies on, are the images there, are there orphaned containers.
import { isWaveError } from '../../errors.js';
import { resolveEngineTarget, type EngineTarget } from './engine.js';
import { DockerEngine } from './facade.js';
import { buildHintFor } from './images.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface DoctorCheck {
  id: 'engine' | 'limits' | 'images' | 'orphans' | 'tools';
  status: CheckStatus;
  /** One line for humans. */
  summary: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface DockerDoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DockerDoctorOptions {
  /** Image references to look for (e.g. wave/base:latest and the adapters' images). */
  images?: string[];
  env?: NodeJS.ProcessEnv;
  /** Use this engine instead of connecting (tests). */
  engine?: DockerEngine;
}

/** The engine DOCKER_HOST names, or undefined when it is malformed (the failure's message says so). */
function targetOf(env: NodeJS.ProcessEnv | undefined): EngineTarget | undefined {
  try {
    return resolveEngineTarget(env);
  } catch {
    return undefined;
  }
}

function skipped(id: DoctorCheck['id']): DoctorCheck {
  return { id, status: 'skipped', summary: 'skipped: no Docker engine' };
}

export async function dockerDoctor(options: DockerDoctorOptions = {}): Promise<DockerDoctorReport> {
  const checks: DoctorCheck[] = [];
  let engine = options.engine;
  try {
    engine ??= await DockerEngine.connect({ env: options.env ?? process.env });
  } catch (err) {
    const target = targetOf(options.env);
    checks.push({
      id: 'engine',
      status: 'fail',
      summary: (err as Error).message,
      ...(isWaveError(err) && err.hint ? { hint: err.hint } : {}),
      details: { address: target?.address, dockerHost: target?.dockerHost ?? null },
    });
    checks.push(skipped('limits'), skipped('images'), skipped('orphans'));
    return { ok: false, checks };
  }
  const { docker, target } = engine;

  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<Record<string, unknown>>]);
  checks.push({
    id: 'engine',
    status: 'ok',
    summary: `Docker ${version.Version} (API ${version.ApiVersion}) at ${target.address}`,
    details: {
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
      address: target.address,
      dockerHost: target.dockerHost ?? null,
    },
  });

  // Limits the kernel/engine cannot enforce would silently weaken the sandbox: say so.
  const missing = (['MemoryLimit', 'SwapLimit', 'PidsLimit', 'CpuCfsQuota'] as const).filter((k) => info[k] === false);
  checks.push({
    id: 'limits',
    status: missing.length ? 'warn' : 'ok',
    summary: missing.length
      ? `the engine cannot enforce: ${missing.join(', ')}`
      : 'memory, swap, pids and CPU limits are enforced',
    ...(missing.length
      ? { hint: 'enable the missing cgroup controllers (e.g. swapaccount=1 on the kernel command line)' }
      : {}),
    details: {
      cgroupVersion: info.CgroupVersion ?? null,
      cgroupDriver: info.CgroupDriver ?? null,
      securityOptions: info.SecurityOptions ?? [],
    },
  });

  checks.push(await imagesCheck(engine, options.images ?? []));

  try {
    const orphans = await engine.findOrphans();
    checks.push({
      id: 'orphans',
      status: orphans.length ? 'warn' : 'ok',
      summary: orphans.length ? `${orphans.length} orphaned Wave container(s)` : 'no orphaned Wave containers',
      ...(orphans.length ? { hint: 'the next Wave command that uses Docker removes them' } : {}),
      details: { count: orphans.length, containers: orphans },
    });
  } catch (err) {
    checks.push({ id: 'orphans', status: 'warn', summary: `could not list containers: ${(err as Error).message}` });
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

async function imagesCheck(engine: DockerEngine, images: string[]): Promise<DoctorCheck> {
  let absent: string[];
  try {
    absent = await engine.missingImages(images);
  } catch (err) {
    return { id: 'images', status: 'fail', summary: (err as Error).message };
  }
  return {
    id: 'images',
    status: absent.length ? 'fail' : 'ok',
    summary: absent.length
      ? `missing: ${absent.join(', ')}`
      : images.length
        ? `present: ${images.join(', ')}`
        : 'no images to check',
    ...(absent.length ? { hint: absent.map((ref) => `${ref}: ${buildHintFor(ref)}`).join('; ') } : {}),
    details: { present: images.filter((r) => !absent.includes(r)), missing: absent },
  };
}
