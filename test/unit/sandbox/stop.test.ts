// The stop controller both backends share (src/sandbox/stop.ts): SIGTERM, then SIGKILL after the grace; the first
// reason wins; a stop asked for before the command runs waits for it; a throwing consumer stops it and its error is
// kept; dispose() leaves no timer or listener behind. Mock timers: nothing here waits for real time.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { StopControl, type StopReason } from '../../../src/sandbox/stop.js';

function recorder(): { signals: string[]; target: (s: 'SIGTERM' | 'SIGKILL') => void } {
  const signals: string[] = [];
  return { signals, target: (s) => void signals.push(s) };
}

describe('StopControl', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('times out: SIGTERM at the deadline, SIGKILL once the grace is over', () => {
    const stops: StopReason[] = [];
    const stop = new StopControl({ graceMs: 1000, timeoutMs: 2000, onStop: (r) => stops.push(r) });
    const { signals, target } = recorder();
    stop.attach(target);
    mock.timers.tick(1999);
    assert.deepEqual(signals, []);
    mock.timers.tick(1);
    assert.deepEqual(signals, ['SIGTERM']);
    assert.equal(stop.reason, 'timed_out');
    mock.timers.tick(1000);
    assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
    assert.deepEqual(stops, ['timed_out']);
    stop.dispose();
  });

  it("a stop on purpose (the context relay): SIGTERM then SIGKILL, reason 'stopped'; a later cancel does not replace it", () => {
    const controller = new AbortController();
    const cancel = new AbortController();
    const stop = new StopControl({ graceMs: 1000, signal: cancel.signal, stopSignal: controller.signal });
    const { signals, target } = recorder();
    stop.attach(target);
    controller.abort();
    cancel.abort();
    assert.equal(stop.reason, 'stopped');
    assert.deepEqual(signals, ['SIGTERM']);
    mock.timers.tick(1000);
    assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
    stop.dispose();
  });

  it('stalls: no activity for the stall limit stops it like a timeout; each activity counts again', () => {
    const stop = new StopControl({ graceMs: 1000, timeoutMs: 60_000, stallMs: 300 });
    const { signals, target } = recorder();
    stop.activity(); // output before the command runs starts nothing
    mock.timers.tick(1000);
    stop.attach(target);
    for (let i = 0; i < 5; i++) {
      mock.timers.tick(299);
      stop.activity();
    }
    assert.deepEqual(signals, [], 'output every 299 ms keeps it running');
    mock.timers.tick(300);
    assert.equal(stop.reason, 'stalled');
    assert.deepEqual(signals, ['SIGTERM']);
    stop.activity(); // late output does not start another stall timer
    mock.timers.tick(1000);
    assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
    stop.dispose();
  });

  it('no stall once the command has ended (copying /wave/out out prints nothing)', () => {
    const stop = new StopControl({ graceMs: 10, stallMs: 300 });
    const { signals, target } = recorder();
    stop.attach(target);
    mock.timers.tick(200);
    stop.commandEnded();
    stop.activity();
    mock.timers.tick(1000);
    assert.deepEqual(signals, []);
    assert.equal(stop.reason, undefined);
    stop.dispose();
  });

  it('cancel: the caller’s signal stops it; a later timeout does not signal again or change the reason', () => {
    const abort = new AbortController();
    const stop = new StopControl({ graceMs: 500, timeoutMs: 100, signal: abort.signal });
    const { signals, target } = recorder();
    stop.attach(target);
    abort.abort();
    mock.timers.tick(100);
    assert.equal(stop.reason, 'cancelled');
    assert.deepEqual(signals, ['SIGTERM']);
    mock.timers.tick(500);
    assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
    stop.dispose();
  });

  it('a stop asked for before the command runs is carried out when it does', () => {
    const abort = new AbortController();
    const stop = new StopControl({ graceMs: 10, signal: abort.signal });
    abort.abort();
    assert.equal(stop.reason, 'cancelled');
    const { signals, target } = recorder();
    stop.attach(target);
    assert.deepEqual(signals, ['SIGTERM']);
    mock.timers.tick(10);
    assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
    stop.dispose();
  });

  it('a throwing consumer cancels, and the first error is the one kept', () => {
    const stop = new StopControl({ graceMs: 10 });
    const { signals, target } = recorder();
    stop.attach(target);
    const first = new Error('first');
    stop.consumerFailed(first);
    stop.consumerFailed(new Error('second'));
    assert.equal(stop.reason, 'cancelled');
    assert.equal(stop.consumerError?.err, first);
    assert.deepEqual(signals, ['SIGTERM']);
    stop.dispose();
  });

  it('dispose() clears the deadline and the grace timer and stops listening to the signal', () => {
    const abort = new AbortController();
    const stop = new StopControl({ graceMs: 10, timeoutMs: 50, signal: abort.signal });
    const { signals, target } = recorder();
    stop.attach(target);
    stop.dispose();
    abort.abort();
    mock.timers.tick(100);
    assert.deepEqual(signals, []);
    assert.equal(stop.reason, undefined);
  });
});
