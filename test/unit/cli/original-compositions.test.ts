// The original Wave's shipped composition pipelines (test/fixtures/original/.agents/pipelines, each naming its source)
// with the original's manifest: `wave validate` finds zero errors (a warning only where it says what is not
// applied), and `wave run --dry-run` shows the expansion. A case whose pipeline needs what is not built yet is a
// todo naming what it waits for, to be switched on as that lands (issue 18's acceptance).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateProject } from '../../../src/validate/index.js';
import { runWave } from '../../support/run-cli.js';

const ORIGINAL = fileURLToPath(new URL('../../fixtures/original/', import.meta.url));
const MANIFEST = fileURLToPath(new URL('../../fixtures/original/wave.yaml', import.meta.url));

interface Case {
  pipeline: string;
  input: string;
  /** What `--dry-run` prints for its composite steps. */
  expansion: RegExp[];
  todo?: string;
}

const CASES: Case[] = [
  {
    pipeline: 'ops-epic-runner',
    input: 're-cinq/wave 42',
    expansion: [/runs pipeline plan-scope/, /expands at run time over \{\{scope\.output\.child_issues\}\}/],
    todo: 'needs pipeline hooks (refused, no helper) and the child pipelines plan-scope, impl-speckit in the fixture',
  },
  {
    pipeline: 'impl-smart-route',
    input: 'https://github.com/owner/repo/issues/42',
    expansion: [/picks at run time by \{\{ assess\.output\.complexity \}\}: simple → impl-issue/],
    todo: "needs the original's impl-issue (thread, rework_only, outcomes, agent_review) and impl-speckit as children",
  },
  {
    pipeline: 'ops-implement-epic',
    input: 'https://github.com/re-cinq/wave/issues/184',
    expansion: [/expands at run time over \{\{ fetch-children\.output\.child_urls \}\}/],
    todo: 'needs gate (h/gates), outcomes (refused, no helper), persona github-commenter, gh in the images',
  },
  {
    pipeline: 'audit-quality-loop',
    input: 'last pipeline run',
    expansion: [/ops-supervise/],
    todo: 'needs the child pipelines ops-supervise, impl-improve in the fixture',
  },
  {
    pipeline: 'impl-review-loop',
    input: 'https://github.com/owner/repo/issues/42',
    expansion: [/impl-issue-core/],
    todo: 'needs hooks, skill gh-cli, project.skill, gh in the images and its three child pipelines',
  },
  {
    pipeline: 'ops-parallel-audit',
    input: 'internal/pipeline',
    expansion: [/expands at run time over/],
    todo: 'needs iterate over a literal array, pipeline: "{{ item }}" and a standalone aggregate step (no helper)',
  },
];

/** A warning line is allowed only when it says what Wave does not apply. */
const SAYS_NOT_APPLIED = /not applied|ignored|is not used|not checked/;

describe("the original Wave's composition pipelines", () => {
  for (const c of CASES) {
    it(
      `${c.pipeline}: validates with zero errors and --dry-run shows its expansion`,
      c.todo ? { todo: c.todo } : {},
      async () => {
        const { problems } = await validateProject({ manifestPath: MANIFEST, pipeline: c.pipeline });
        const shown = (severity: string) =>
          problems.filter((p) => p.severity === severity).map((p) => `${p.file}:${p.line}: ${p.message}`);
        assert.deepEqual(shown('error'), []);
        for (const warning of shown('warning')) assert.match(warning, SAYS_NOT_APPLIED);
        const dry = runWave(['run', c.pipeline, c.input, '--dry-run'], ORIGINAL);
        assert.equal(dry.status, 0, dry.stdout + dry.stderr);
        for (const expected of c.expansion) assert.match(dry.stdout, expected);
      },
    );
  }
});
