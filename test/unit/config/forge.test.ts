// {{ forge.* }}: metadata.forge, else the git remote read from .git/config (never by running git).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectForge, parseRemote } from '../../../src/config/forge.js';
import { tempProject } from './_helpers.js';

const gitConfig = (url: string, remote = 'origin'): string =>
  `[core]\n\tbare = false\n[remote "${remote}"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/${remote}/*\n`;

describe('detectForge', () => {
  const cases: Array<[url: string, expected: [string, string, string, string, string, string]]> = [
    ['git@github.com:re-cinq/wave.git', ['github', 'github.com', 're-cinq', 'wave', 'gh', 'Pull Request']],
    ['https://gitlab.com/group/proj.git', ['gitlab', 'gitlab.com', 'group', 'proj', 'glab', 'Merge Request']],
    ['https://codeberg.org/o/r', ['codeberg', 'codeberg.org', 'o', 'r', 'tea', 'Pull Request']],
    ['ssh://git@gitea.example.org:2222/o/r.git', ['gitea', 'gitea.example.org', 'o', 'r', 'tea', 'Pull Request']],
    ['https://user@bitbucket.org/team/repo.git', ['bitbucket', 'bitbucket.org', 'team', 'repo', 'bb', 'Pull Request']],
    ['https://git.example.org/o/r.git', ['unknown', 'git.example.org', 'o', 'r', '', '']],
  ];
  for (const [url, expected] of cases) {
    it(url, async () => {
      const dir = await tempProject({ '.git/config': gitConfig(url) });
      const f = detectForge(undefined, dir);
      assert.deepEqual([f.type, f.host, f.owner, f.repo, f.cli_tool, f.pr_term], expected);
    });
  }

  it('metadata.forge overrides the host; local and none need no remote', async () => {
    const dir = await tempProject({ '.git/config': gitConfig('https://git.example.org/o/r.git') });
    assert.deepEqual(
      [detectForge('gitlab', dir).pr_command, detectForge('gitlab', dir).owner, detectForge('none', dir).type],
      ['mr', 'o', 'local'],
    );
  });

  it('without a remote the project is local; another remote stands in for a missing origin', async () => {
    assert.equal(detectForge(undefined, await tempProject({})).type, 'local');
    const other = await tempProject({ '.git/config': gitConfig('git@github.com:a/b.git', 'upstream') });
    assert.equal(detectForge(undefined, other).repo, 'b');
  });

  it('a project below the repository root, or in a git worktree, finds the repository config', async () => {
    const dir = await tempProject({
      'repo/.git/config': gitConfig('git@github.com:a/main.git'),
      'repo/.git/worktrees/wt/commondir': '../..\n',
      'wt/.git': 'gitdir: ../repo/.git/worktrees/wt\n',
      'repo/sub/keep': '',
    });
    assert.equal(detectForge(undefined, `${dir}/repo/sub`).repo, 'main');
    assert.equal(detectForge(undefined, `${dir}/wt`).repo, 'main');
  });

  it('a remote it cannot read is no forge', () => {
    assert.equal(parseRemote('/srv/git/repo.git'), undefined);
  });
});
