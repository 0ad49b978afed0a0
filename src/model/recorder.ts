// Keeps every request the server received, in arrival order, so tests can assert what the agent CLI sent:
// which key arrived (x-api-key / authorization are kept on purpose: this server only ever sees placeholder
// or test keys), which step, which turn, and what was answered.

import type { IncomingMessage } from 'node:http';
import type { RecordedRequest } from './types.js';

export class Recorder {
  readonly requests: RecordedRequest[] = [];
  private seq = 0;

  /** Records the arrival; the handler fills in the outcome on the returned object before answering. */
  start(req: IncomingMessage, path: string, body: unknown): RecordedRequest {
    const rec: RecordedRequest = {
      seq: ++this.seq,
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      path,
      url: req.url ?? path,
      headers: { ...req.headers },
      body,
      kind: 'not_found',
      status: 0,
    };
    this.requests.push(rec);
    return rec;
  }

  clear(): void {
    // Emptied in place: callers hold a reference to the array returned by startScriptedModel.
    this.requests.length = 0;
    this.seq = 0;
  }
}
