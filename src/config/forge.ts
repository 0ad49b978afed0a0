// `{{ forge.* }}`: which forge hosts the project (GitHub, GitLab, Gitea/Forgejo/Codeberg, Bitbucket, or none),
// from the manifest's `metadata.forge` or else the git remote in the project's .git/config. Read from the file,
// never by running git or probing a host: validating a project must not reach the network.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FORGE_FIELDS = ['type', 'host', 'owner', 'repo', 'cli_tool', 'prefix', 'pr_term', 'pr_command'] as const;
export type ForgeField = (typeof FORGE_FIELDS)[number];
export type ForgeInfo = Record<ForgeField, string>;

export const FORGE_TYPES = ['github', 'gitlab', 'bitbucket', 'gitea', 'forgejo', 'codeberg', 'local'] as const;
type ForgeType = (typeof FORGE_TYPES)[number] | 'unknown';

/** CLI tool, pipeline prefix, what a change request is called and its CLI subcommand, per forge. */
const TRAITS: Record<ForgeType, [cli: string, prefix: string, prTerm: string, prCommand: string]> = {
  github: ['gh', 'gh', 'Pull Request', 'pr'],
  gitlab: ['glab', 'gl', 'Merge Request', 'mr'],
  bitbucket: ['bb', 'bb', 'Pull Request', 'pr'],
  gitea: ['tea', 'gt', 'Pull Request', 'pr'],
  forgejo: ['tea', 'gt', 'Pull Request', 'pr'],
  codeberg: ['tea', 'gt', 'Pull Request', 'pr'],
  local: ['', 'local', '', ''],
  unknown: ['', '', '', ''],
};

/** The forge of a project: `declared` is metadata.forge (a type name, 'none' meaning local), else the git remote. */
export function detectForge(declared: string | undefined, projectDir: string): ForgeInfo {
  const override = declared?.toLowerCase();
  if (override === 'local' || override === 'none') return info('local', {});
  const remote = remoteUrl(projectDir);
  const where = remote === undefined ? undefined : parseRemote(remote);
  if (!where) return info(isForgeType(override) ? override : 'local', {});
  return info(isForgeType(override) ? override : classifyHost(where.host), where);
}

function info(type: ForgeType, where: Partial<Pick<ForgeInfo, 'host' | 'owner' | 'repo'>>): ForgeInfo {
  const [cli_tool, prefix, pr_term, pr_command] = TRAITS[type];
  return { type, host: '', owner: '', repo: '', ...where, cli_tool, prefix, pr_term, pr_command };
}

function isForgeType(value: string | undefined): value is (typeof FORGE_TYPES)[number] {
  return (FORGE_TYPES as readonly string[]).includes(value ?? '');
}

function classifyHost(host: string): ForgeType {
  const h = host.toLowerCase();
  const is = (domain: string): boolean => h === domain || h.endsWith(`.${domain}`);
  if (is('github.com')) return 'github';
  if (is('gitlab.com')) return 'gitlab';
  if (is('bitbucket.org')) return 'bitbucket';
  if (is('codeberg.org')) return 'codeberg';
  if (h.includes('gitea')) return 'gitea';
  if (h.includes('forgejo')) return 'forgejo';
  return 'unknown';
}

/** The git config of the repository holding `dir` (a worktree's `.git` file leads to its common directory). */
function gitConfigText(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const dotGit = path.join(at, '.git');
    const read = (file: string): string | undefined => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    };
    const config = read(path.join(dotGit, 'config'));
    if (config !== undefined) return config;
    const pointer = /^gitdir:\s*(.+)$/m.exec(read(dotGit) ?? '')?.[1]?.trim();
    if (pointer !== undefined) {
      const gitDir = path.resolve(at, pointer);
      const common = read(path.join(gitDir, 'commondir'))?.trim();
      return read(path.join(common === undefined ? gitDir : path.resolve(gitDir, common), 'config'));
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/** The url of remote "origin" in the git config, else of the first remote; undefined without either. */
function remoteUrl(projectDir: string): string | undefined {
  const text = gitConfigText(projectDir);
  if (text === undefined) return undefined;
  const remotes = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const section = /^\s*\[\s*remote\s+"([^"]+)"\s*\]/.exec(line);
    if (section) current = section[1];
    else if (/^\s*\[/.test(line)) current = undefined;
    const url = /^\s*url\s*=\s*(\S+)/.exec(line);
    if (current !== undefined && url?.[1] && !remotes.has(current)) remotes.set(current, url[1]);
  }
  return remotes.get('origin') ?? remotes.values().next().value;
}

/** `git@host:owner/repo.git`, `ssh://git@host/owner/repo`, `https://user@host/owner/repo.git` → its parts. */
export function parseRemote(url: string): { host: string; owner: string; repo: string } | undefined {
  const scp = /^[^/@]+@([^:/]+):([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(url);
  if (scp?.[1] && scp[2] && scp[3]) return { host: scp[1], owner: scp[2], repo: scp[3] };
  const full = /^(?:ssh|https?|git):\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?\/([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(url);
  if (full?.[1] && full[2] && full[3]) return { host: full[1], owner: full[2], repo: full[3] };
  return undefined;
}
