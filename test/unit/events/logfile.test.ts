import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogFileSink, EventBus } from '../../../src/events/index.js';
import { RUN, sampleEvents } from './fixtures.js';

describe('log file sink', () => {
  it('writes every event as a pino line to <traces>/<run-id>.log, creating the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wave-traces-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const tracesDir = join(dir, '.wave', 'traces');
    const sink = await createLogFileSink({ tracesDir, runId: RUN });
    assert.equal(sink.path, join(tracesDir, `${RUN}.log`));
    const bus = new EventBus();
    bus.subscribe(sink);
    for (const event of sampleEvents()) bus.emit(event);
    await bus.close();

    const lines = readFileSync(sink.path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, sampleEvents().length);
    assert.deepEqual(
      lines.map((l) => l.msg),
      sampleEvents().map((e) => e.type),
    );
    assert.ok(lines.every((l) => l.runId === RUN));
    const retry = lines.find((l) => l.type === 'step_retrying');
    assert.equal(retry?.level, 40, 'retries log at warn');
    assert.equal(retry?.time, sampleEvents()[7]?.time, "the event's own time");
  });
});
