// `--bootstrap-base`: import a Debian root filesystem as the base's BASE_IMAGE when no registry can provide
// it. debootstrap, chroot and docker import are a shell job, so this runs images/base/bootstrap-rootfs.sh.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { WaveError } from '../errors.js';

export const BOOTSTRAP_TAG = 'wave/debian-bootstrap:trixie';

export async function bootstrapBaseImage(
  baseDir: string,
  tag: string,
  extraCaFile: string | undefined,
  onLine: (line: string) => void,
): Promise<void> {
  const script = path.join(baseDir, 'bootstrap-rootfs.sh');
  const env = { ...process.env };
  if (extraCaFile !== undefined) env.WAVE_EXTRA_CA = extraCaFile;
  const child = spawn('bash', [script, tag], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      onLine(line);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new WaveError('sandbox_failed', `bootstrapping ${tag} from Debian's packages failed (exit ${code})`, {
      hint: 'it needs root, debootstrap and a Debian mirror in /etc/apt (or WAVE_DEBIAN_MIRROR); or pass --base-image REF',
      details: tail,
    });
  }
}
