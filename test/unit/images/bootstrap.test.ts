// `wave images build --bootstrap-base` (issue 14 item 9): apt's harmless chroot warnings are not shown while real
// errors are, and the base's time in the result covers the bootstrap that took minutes, not only the few seconds
// of its own build. A stand-in bootstrap script and a fake engine: no root, no mirror, no Docker.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { buildTime } from '../../../src/cli/images.js';
import { isHarmlessBootstrapLine } from '../../../src/images/bootstrap.js';
import { buildImages } from '../../../src/images/index.js';
import type { BuildProgress } from '../../../src/images/types.js';

/** Lines a real bootstrap printed (the mirror's name left out), and lines that must still be shown. */
const NOISE = [
  "W: Download is performed unsandboxed as root as file '/var/lib/apt/lists/partial/mirror_dists_trixie_InRelease' " +
    "couldn't be accessed by user '_apt'. - pkgAcquire::Run (13: Permission denied)",
  'E: Can not write log (Is /dev/pts mounted?) - posix_openpt (19: No such device)',
  'rehash: warning: skipping wave-extra-ca.pem, it does not contain exactly one certificate or CRL',
  'Scanning processes...',
  'No services need to be restarted.',
];
const REAL = [
  'bootstrap-base: installing: ca-certificates curl git tini nodejs npm',
  'E: Unable to locate package nodejs',
  "W: Failed to fetch http://mirror.invalid/debian/dists/trixie/InRelease  Could not resolve 'mirror.invalid'",
  '149 added, 0 removed; done.',
];

describe('the bootstrap of the base image', () => {
  let dir: string;
  const images = new Map<string, string>();
  const marker = (): string => path.join(dir, 'imported');

  // Just what buildImages asks of the engine: inspect, build, tag.
  const engine = {
    ping: async () => 'OK',
    getImage: (ref: string) => ({
      inspect: async () => {
        if (ref === 'wave/debian-bootstrap:trixie' && existsSync(marker())) return { Id: 'sha256:debian', Size: 1 };
        const id = images.get(ref) ?? (ref.startsWith('sha256:') ? ref : undefined);
        if (id === undefined) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
        return { Id: id, Size: 2_000_000 };
      },
      tag: async ({ repo, tag }: { repo: string; tag: string }) => void images.set(`${repo}:${tag}`, 'sha256:base'),
    }),
    buildImage: async (context: Readable, options: { t: string }) => {
      for await (const _ of context); // the engine reads the whole context before it builds
      images.set(options.t, 'sha256:base');
      const messages = [{ stream: 'Step 1/1 : FROM ${BASE_IMAGE}\n' }, { aux: { ID: 'sha256:base' } }];
      return Readable.from(messages.map((m) => Buffer.from(`${JSON.stringify(m)}\r\n`)));
    },
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wave-bootstrap-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n');
    // The stand-in prints like debootstrap and apt do (one line split over two writes), then "imports" the image.
    const lines = [...NOISE, ...REAL].map((l) => `printf '%s\\n' ${JSON.stringify(l).replace(/\$/g, '\\$')} >&2`);
    const split = "printf 'bootstrap-base: imp'; sleep 0.1; printf 'orting as %s\\n' \"$1\"";
    const script = ['set -e', ...lines, split, `touch ${JSON.stringify(marker())}`];
    await writeFile(path.join(dir, 'bootstrap-rootfs.sh'), script.join('\n'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("tells apt's chroot warnings from real errors", () => {
    for (const line of NOISE) assert.ok(isHarmlessBootstrapLine(line), line);
    for (const line of REAL) assert.ok(!isHarmlessBootstrapLine(line), line);
  });

  it("shows the real lines whole and no noise, and counts the bootstrap in the base image's time", async () => {
    const events: BuildProgress[] = [];
    const catalog = [{ name: 'base', dir, parent: { kind: 'os' as const } }];
    const docker = engine as unknown as Docker;
    const [base] = await buildImages({ catalog, bootstrapBase: true, docker }, (e) => events.push(e));
    const shown = events.filter((e) => e.phase === 'bootstrap').map((e) => e.message);
    assert.deepEqual(shown.slice(1), [...REAL, 'bootstrap-base: importing as wave/debian-bootstrap:trixie']);
    assert.ok(base);
    const { durationMs, ...fetched } = base.parentFetched ?? { durationMs: Infinity };
    assert.deepEqual(fetched, { ref: 'wave/debian-bootstrap:trixie', how: 'bootstrap' });
    assert.ok(base.durationMs >= durationMs, "the base's time includes its bootstrap");
  });

  it("shows how much of a base image's time went into its bootstrap", () => {
    const parentFetched = { ref: 'wave/debian-bootstrap:trixie', how: 'bootstrap' as const, durationMs: 181_000 };
    assert.equal(buildTime({ durationMs: 187_800, parentFetched }), '3m08s (bootstrap 3m01s)');
    assert.equal(buildTime({ durationMs: 6_800 }), '6.8s');
  });
});
