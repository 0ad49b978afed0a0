// A throwaway git repository for tests of steps that change code, and a fingerprint of everything the user has
// in it (HEAD, refs, index, working tree, config, hooks) to assert that Wave left it byte for byte unchanged.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A repository with one commit (`files`), a `.wave/pipelines` folder, and `main` checked out. */
export function createGitProject(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'config', 'user.name', 'Test');
  gitIn(dir, 'config', 'user.email', 'test@example.invalid');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  writeFileSync(path.join(dir, '.gitignore'), '.wave/\n');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'first');
  mkdirSync(path.join(dir, '.wave', 'pipelines'), { recursive: true });
  return dir;
}

/** What the user has checked out: HEAD (the file and its commit), the index's bytes, every file but .git and .wave. */
export function checkedOut(dir: string): string {
  const index = path.join(dir, '.git', 'index');
  return [
    readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8'),
    gitIn(dir, 'rev-parse', 'HEAD'),
    createHash('sha256').update(readFileSync(index)).digest('hex'),
    fingerprint(dir, { git: false }),
  ].join('\n');
}

/** A digest of every file of the repository but `.wave/`, its `.git` included (index, refs, config, hooks). */
export function fingerprint(dir: string, opts: { git?: boolean } = {}): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      if (child === '.wave' || (opts.git === false && child === '.git')) continue;
      const stat = lstatSync(path.join(dir, child));
      hash.update(`${child}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(child);
      else if (stat.isSymbolicLink()) hash.update(readlinkSync(path.join(dir, child)));
      else hash.update(readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return hash.digest('hex');
}
