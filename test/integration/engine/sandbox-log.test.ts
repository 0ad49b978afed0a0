// The sandbox's logger is the run's: a container the engine would not remove is a warning the user sees (an event,
// so the terminal view, --json and `wave logs` have it) and the run's log file keeps, with the step it concerns;
// with --debug the sandbox's debug lines reach stderr and the log file.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { startRun } from '../../../src/engine/run-service.js';
import type { RunLogLine } from '../../../src/engine/run-log.js';
import type { WaveEvent } from '../../../src/events/types.js';
import { createDockerSandbox } from '../../../src/sandbox/index.js';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, writePipeline } from '../../support/command-project.js';
import { runWaveAsync } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

/** The engine, except that removing a step container (it is removed) answers 500, as a busy engine may. */
function failingRemoval(real: Docker): Docker {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'createContainer') return Reflect.get(target, prop, receiver) as unknown;
      return async (options: Docker.ContainerCreateOptions) => {
        const container = await target.createContainer(options);
        if (options.Labels?.['wave.role'] !== undefined) return container; // the /wave/out holder
        const remove = container.remove.bind(container);
        container.remove = (async (opts: object) => {
          await remove(opts);
          throw Object.assign(
            new Error('(HTTP code 500) server error - removal of container failed: device or resource busy'),
            { statusCode: 500 },
          );
        }) as typeof container.remove;
        return container;
      };
    },
  });
}

describe('the sandbox reports through the run', { skip }, () => {
  let dir: string;
  before(() => {
    dir = createCommandProject('wave-sandbox-log-');
    writePipeline(dir, 'one', '  - id: only\n    exec: {type: command, script: "echo hi"}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a container that could not be removed: a warning event naming the step, a line in the log file', async () => {
    const events: WaveEvent[] = [];
    const echoed: RunLogLine[] = [];
    const outcome = await startRun(
      {
        projectDir: dir,
        manifestPath: path.join(dir, 'wave.yaml'),
        sinks: [{ name: 'test', write: (e: WaveEvent) => void events.push(e) }],
        sandbox: (logger) => createDockerSandbox({ docker: failingRemoval(docker), logger }),
        onLog: (line) => echoed.push(line),
      },
      'one',
      '',
      {},
    );
    assert.equal(outcome.exitCode, 0, outcome.summary.error);
    const warning = events.find((e) => e.type === 'warning');
    assert.ok(warning?.type === 'warning');
    assert.equal(warning.stepId, 'only');
    assert.equal(warning.code, 'sandbox');
    assert.match(
      warning.message,
      /^could not remove sandbox container: run=\S+ step=only attempt=1 containerId=[0-9a-f]{64} err=\(HTTP code 500\)/,
    );
    const log = readFileSync(path.join(dir, '.wave', 'traces', `${outcome.runId}.log`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      log.some(
        (l) =>
          l.msg === 'warning' && l.level === 40 && String(l.message).startsWith('could not remove sandbox container'),
      ),
    );
    assert.ok(log.some((l) => l.msg === 'sandbox created' && l.component === 'sandbox' && l.step === 'only'));
    assert.ok(!log.some((l) => l.level === 20), 'no debug lines without --debug');
    assert.deepEqual([...new Set(echoed.map((l) => l.level))].sort(), ['debug', 'info', 'warn']);
  });

  test('--debug: the sandbox debug lines on stderr and in the log file', async () => {
    const res = await runWaveAsync(['run', 'one', '--debug', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.match(
      res.stderr,
      /wave: \[debug\] sandbox spec: run=\S+ step=only attempt=1 containerId=[0-9a-f]{64} envKeys=\[/,
    );
    assert.match(res.stderr, /wave: \[debug\] sandbox finished: .*status=exited exitCode=0/);
    const runId = (JSON.parse(res.stdout.split('\n')[0] ?? '{}') as { runId: string }).runId;
    const log = readFileSync(path.join(dir, '.wave', 'traces', `${runId}.log`), 'utf8');
    assert.match(log, /"level":20,.*"msg":"sandbox finished"/);
  });
});
