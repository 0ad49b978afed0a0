// workspace.mount in real containers: "limit scope with workspace mounts" (a step that sees ./src/auth only) and
// several mounts at once, read-only and read-write, with a test_suite contract that sees what the step saw.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

describe('workspace mounts in a run', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-mounts-');
    for (const [rel, text] of Object.entries({
      'src/auth/login.ts': 'login\n',
      'src/api/routes.ts': 'routes\n',
      'docs/guide.md': 'guide\n',
    })) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const outOf = (runId: string, step: string) =>
    readFileSync(path.join(dir, '.wave', 'workspaces', runId, step, 'out', 'seen.txt'), 'utf8');

  test('a step that mounts ./src/auth at /wave/src sees that folder only, read-only', () => {
    writePipeline(
      dir,
      'auth-review',
      `  - id: review
    workspace:
      mount: [{source: ./src/auth, target: /wave/src, mode: readonly}]
    exec:
      type: command
      script: |
        {
          pwd; find /wave/src -type f | sort
          touch /wave/src/x 2>/dev/null && echo writable || echo read-only
        } > /wave/out/seen.txt
    output_artifacts: [{name: seen, path: seen.txt}]
`,
    );
    const res = runWave(['run', 'auth-review', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    assert.equal(outOf(runIdOf(res.stdout), 'review'), '/wave/src\n/wave/src/login.ts\nread-only\n');
  });

  test('several mounts: each at its target with its mode; the contract sees them too; the project is untouched', () => {
    writePipeline(
      dir,
      'several',
      `  - id: work
    workspace:
      mount:
        - {source: ./src/auth, target: /wave/src/auth}
        - {source: ./docs, target: /docs}
        - {source: ./src/api, target: /wave/src/api, mode: readwrite}
    exec:
      type: command
      script: |
        {
          find /wave/src /docs -type f | sort
          echo changed >> /wave/src/api/routes.ts && echo api=writable
          touch /wave/src/auth/x 2>/dev/null && echo auth=writable || echo auth=read-only
          touch /docs/x 2>/dev/null && echo docs=writable || echo docs=read-only
          touch /wave/src/new 2>/dev/null && echo src=writable || echo src=read-only
        } > /wave/out/seen.txt
    output_artifacts: [{name: seen, path: seen.txt}]
    handover:
      contracts:
        - type: test_suite
          command: "test -f /docs/guide.md && test -f /wave/src/auth/login.ts && grep -q changed /wave/src/api/*.ts"
`,
    );
    const res = runWave(['run', 'several', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    assert.equal(
      outOf(runIdOf(res.stdout), 'work'),
      [
        '/docs/guide.md',
        '/wave/src/api/routes.ts',
        '/wave/src/auth/login.ts',
        'api=writable',
        'auth=read-only',
        'docs=read-only',
        'src=read-only',
        '',
      ].join('\n'),
    );
    assert.equal(
      readFileSync(path.join(dir, 'src', 'api', 'routes.ts'), 'utf8'),
      'routes\n',
      "the user's tree is never written",
    );
  });
});
