// Events that tests write straight into a store, shaped as the engine writes them.
import type { WaveEvent } from '../../src/events/index.js';

/** One line a step printed on stdout, stamped now. */
export function stdoutLine(runId: string, line: string, stepId = 's'): WaveEvent {
  return { type: 'step_output', runId, stepId, attempt: 1, time: new Date().toISOString(), stream: 'stdout', line };
}
