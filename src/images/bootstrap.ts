// `--bootstrap-base`: import a Debian root filesystem as the base's BASE_IMAGE when no registry can provide
// it. debootstrap, chroot and docker import are a shell job, so this runs images/base/bootstrap-rootfs.sh.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { WaveError } from '../errors.js';

export const BOOTSTRAP_TAG = 'wave/debian-bootstrap:trixie';

/**
 * What apt, dpkg and their helpers print in a fresh chroot although nothing is wrong. Shown, they read as
 * failures of a bootstrap that worked; every other line is shown, and a failing bootstrap reports all of them.
 */
const HARMLESS: readonly RegExp[] = [
  // apt could not drop to its `_apt` user for a download and did it as root instead.
  /^W: Download is performed unsandboxed as root as file .* couldn't be accessed by user '_apt'\./,
  // dpkg keeps a terminal log through a pty; a chroot has no /dev/pts, and the install goes on without it.
  /^E: Can not write log \(Is \/dev\/pts mounted\?\) - posix_openpt /,
  // needrestart (Ubuntu hosts) reporting on the host's services after apt installed debootstrap there.
  /^(needrestart|Scanning (processes|candidates|linux images)\.\.\.|Running kernel seems to be up-to-date)/,
  /^No (services|containers|user sessions|VM guests) (need|are running)/,
  // openssl rehash hashes one certificate per file; the extra CA bundle (several) is trusted through the joint
  // bundle file all the same.
  /^rehash: warning: skipping wave-extra-ca\.pem, it does not contain exactly one certificate or CRL$/,
];

export function isHarmlessBootstrapLine(line: string): boolean {
  return HARMLESS.some((pattern) => pattern.test(line.trim()));
}

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
  // Line by line: a chunk of a pipe may end in the middle of one.
  const collect = (stream: Readable): void => {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (!isHarmlessBootstrapLine(line)) onLine(line);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
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
