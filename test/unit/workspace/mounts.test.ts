// workspace.mount on the host side: what each step's /wave/src and other mounts are made of (the container side is
// test/integration/engine/mounts.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWaveError } from '../../../src/errors.js';
import { prepareRun, prepareStep, type RunWorkspace } from '../../../src/workspace/layout.js';

describe('workspace mounts', () => {
  let root: string;
  let run: RunWorkspace;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'wave-mounts-'));
    const project = path.join(root, 'project');
    const files: Record<string, string> = {
      'README.md': '# project\n',
      'src/auth/login.ts': 'export const login = 1;\n',
      'src/auth/token.ts': 'export const token = 2;\n',
      'src/api/routes.ts': 'export const routes = [];\n',
      'docs/guide.md': '# guide\n',
      'config.json': '{}\n',
      'ignored/secret.txt': 'not in the snapshot\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      writeFileSync(path.join(project, rel), text);
    }
    writeFileSync(path.join(project, '.gitignore'), 'ignored/\n');
    symlinkSync('/etc', path.join(project, 'escape'));
    execFileSync('git', ['init', '-q'], { cwd: project });
    // The workspace lies inside the project's repository, where git ignores it (as `wave init` sets it up).
    writeFileSync(path.join(project, '.git', 'info', 'exclude'), '.wave/\n');
    run = await prepareRun(path.join(project, '.wave', 'workspaces'), 'run-1', project);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const failure = async (mount: { source: string; target: string; mode?: 'readonly' | 'readwrite' }) => {
    try {
      await prepareStep(run, 'x', 1, { mounts: [{ mode: 'readonly', ...mount }] });
    } catch (err) {
      assert.ok(isWaveError(err), String(err));
      return `${err.code}: ${err.message}`;
    }
    assert.fail('expected a refusal');
  };

  it('without mounts: the whole snapshot at /wave/src, read-only', async () => {
    const ws = await prepareStep(run, 'all', 1);
    assert.equal(ws.src, run.source);
    assert.equal(ws.srcWritable, false);
    assert.deepEqual(ws.mounts, []);
  });

  it('one mount at /wave/src limits the step to that folder of the snapshot', async () => {
    const ws = await prepareStep(run, 'auth', 1, {
      mounts: [{ source: './src/auth', target: '/wave/src', mode: 'readonly' }],
    });
    assert.equal(ws.src, path.join(realpathSync(run.source), 'src', 'auth'));
    assert.equal(ws.srcWritable, false);
    assert.deepEqual(readdirSync(ws.src).sort(), ['login.ts', 'token.ts']);
    assert.deepEqual(ws.mounts, []);
  });

  it('several mounts: mount points in an empty /wave/src, a folder elsewhere, a copy for readwrite', async () => {
    const ws = await prepareStep(run, 'many', 1, {
      mounts: [
        { source: './src/auth', target: '/wave/src/auth', mode: 'readonly' },
        { source: 'docs', target: '/docs/', mode: 'readonly' },
        { source: './src/api', target: '/wave/src/api', mode: 'readwrite' },
        { source: './config.json', target: '/wave/src/conf/config.json', mode: 'readonly' },
      ],
    });
    const snapshot = realpathSync(run.source);
    assert.equal(ws.src, path.join(run.dir, 'many', 'src'));
    assert.deepEqual(readdirSync(ws.src).sort(), ['api', 'auth', 'conf']);
    assert.deepEqual(readdirSync(path.join(ws.src, 'auth')), [], 'a mount point, empty');
    assert.equal(readFileSync(path.join(ws.src, 'conf', 'config.json'), 'utf8'), '', 'a file mount point');
    const copy = path.join(run.dir, 'many', 'mounts', '3');
    assert.deepEqual(ws.mounts, [
      { host: path.join(snapshot, 'src', 'auth'), container: '/wave/src/auth', readOnly: true },
      { host: path.join(snapshot, 'docs'), container: '/docs', readOnly: true },
      { host: copy, container: '/wave/src/api', readOnly: false },
      { host: path.join(snapshot, 'config.json'), container: '/wave/src/conf/config.json', readOnly: true },
    ]);
    assert.equal(
      readFileSync(path.join(copy, 'routes.ts'), 'utf8'),
      'export const routes = [];\n',
      'the copy has the files',
    );
  });

  it('a readwrite mount at /wave/src is a private, writable copy', async () => {
    const ws = await prepareStep(run, 'rw', 1, { mounts: [{ source: './', target: '/wave/src', mode: 'readwrite' }] });
    assert.equal(ws.srcWritable, true);
    assert.notEqual(ws.src, run.source);
    assert.deepEqual(readdirSync(path.join(ws.src, 'src')).sort(), ['api', 'auth']);
  });

  it('refuses a source outside the snapshot: a link out, an ignored file, a file at /wave/src', async () => {
    assert.match(
      await failure({ source: './escape', target: '/etc-copy' }),
      /^pipeline_invalid: step 'x': mount source '.\/escape' leads outside the project through a symbolic link$/,
    );
    assert.match(
      await failure({ source: './ignored', target: '/ignored' }),
      /mount source '.\/ignored' is not in the run's source snapshot/,
    );
    assert.match(await failure({ source: '../', target: '/up' }), /mount source '..\/' leaves the project/);
    assert.match(
      await failure({ source: './config.json', target: '/wave/src' }),
      /is a file: \/wave\/src takes a folder/,
    );
  });
});
