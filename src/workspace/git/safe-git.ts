// Every git Wave runs on the host goes through here, with a fixed environment and configuration: no system or
// global config, no hooks, no fsmonitor, no attribute or ignore files from the user's home, no external diff or
// text conversion, no submodule recursion, no protocol but local files. What a step wrote (a `.git/config`, a
// `.gitattributes`, a `.gitmodules`) is data to Wave: nothing from it can choose a program for git to run.
import { spawn } from 'node:child_process';
import { WaveError } from '../../errors.js';

/** `-c` settings, which take precedence over every config file git may still read (a user's repository's own). */
const SAFE_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.untrackedCache', 'false'],
  ['core.attributesFile', '/dev/null'],
  ['core.excludesFile', '/dev/null'],
  ['core.autocrlf', 'false'],
  ['core.safecrlf', 'false'],
  ['core.symlinks', 'true'],
  ['core.protectNTFS', 'true'],
  ['core.protectHFS', 'true'],
  ['core.pager', 'cat'],
  ['core.sshCommand', 'false'],
  ['core.askPass', ''],
  ['credential.helper', ''],
  ['diff.external', ''],
  ['diff.renames', 'false'],
  ['diff.noprefix', 'false'],
  ['diff.mnemonicPrefix', 'false'],
  ['color.ui', 'false'],
  ['submodule.recurse', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['protocol.allow', 'never'],
  ['protocol.file.allow', 'always'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['advice.detachedHead', 'false'],
  ['init.defaultBranch', 'wave'],
  ['commit.gpgSign', 'false'],
  // Wave's own repository serves commits by id to the user's (wave apply) and to nobody else.
  ['uploadpack.allowAnySHA1InWant', 'true'],
  ['tag.gpgSign', 'false'],
];

const IDENTITY = { name: 'Wave', email: 'wave@localhost' };

export interface GitOptions {
  /** The repository: Wave's own git directory, a disposable tree's, or (read or fetched into) the user's. */
  gitDir?: string;
  workTree?: string;
  indexFile?: string;
  /** Where git starts (only for discovering the user's repository; otherwise irrelevant). */
  cwd?: string;
  input?: Buffer | string;
  /** Fixed author and committer dates for reproducible commits. */
  date?: string;
  /** A non-zero exit is returned, not thrown (for git commands whose exit code is an answer). */
  allowFailure?: boolean;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** The environment git runs with: nothing from the host's but PATH. */
export function safeGitEnv(options: Pick<GitOptions, 'gitDir' | 'workTree' | 'indexFile' | 'date'>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    XDG_CONFIG_HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_ALLOW_PROTOCOL: 'file',
    GIT_AUTHOR_NAME: IDENTITY.name,
    GIT_AUTHOR_EMAIL: IDENTITY.email,
    GIT_COMMITTER_NAME: IDENTITY.name,
    GIT_COMMITTER_EMAIL: IDENTITY.email,
    ...(options.date ? { GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date } : {}),
    ...(options.gitDir ? { GIT_DIR: options.gitDir } : {}),
    ...(options.workTree ? { GIT_WORK_TREE: options.workTree } : {}),
    ...(options.indexFile ? { GIT_INDEX_FILE: options.indexFile } : {}),
  };
}

/** The argv prefix that pins git's configuration. */
export function safeGitArgs(): string[] {
  return SAFE_CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]);
}

/** Runs git with the fixed environment; a failure is a WaveError `git_failed` naming the command. */
export function git(args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...safeGitArgs(), ...args], {
      env: safeGitEnv(options),
      cwd: options.cwd ?? '/',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) =>
      reject(new WaveError('git_failed', `git could not start: ${e.message}`, { hint: 'install git on the host' })),
    );
    child.on('close', (code) => {
      const result = { code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
      if (result.code !== 0 && !options.allowFailure) {
        const detail = result.stderr.trim().split('\n').slice(-3).join(' / ');
        reject(new WaveError('git_failed', `git ${args[0] ?? ''} failed: ${detail || `exit ${result.code}`}`));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all of its input
    child.stdin.end(options.input ?? '');
  });
}

/** git's stdout as text without the final newline. */
export async function gitText(args: readonly string[], options: GitOptions = {}): Promise<string> {
  return (await git(args, options)).stdout.toString('utf8').replace(/\n$/, '');
}
