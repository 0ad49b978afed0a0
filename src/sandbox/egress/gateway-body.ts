// A gateway request's body, read whole before anything goes upstream (so it can be checked, and sent with an exact
// Content-Length): at most `max` bytes, and within the step's budget of buffered body bytes (body-budget.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyLease } from './body-budget.js';
import type { BodyFraming } from './framing.js';

/** A body the step's budget could not take: its declared length, or its size when it went over. */
export interface OverBudget {
  size: number;
  declared: boolean;
  /** What the step's other requests held then. */
  others: number;
}

export type BodyRead = { body: Buffer } | { tooLarge: true } | { overBudget: OverBudget } | { aborted: true };

/**
 * Reads a request body whole, taking each chunk from `lease` as it arrives (no lease: the body is reserved
 * already); past `max` bytes it stops at once. Once the lease refuses a chunk (or from the start, given
 * `refused`), what was read is given back and the rest of the body is read and dropped: the client, done sending,
 * then reads the 503, which one still writing when its connection closes would never see.
 */
function readBody(req: IncomingMessage, max: number, lease?: BodyLease, refused?: OverBudget): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = refused;
    let done = false;
    const finish = (v: BodyRead) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        return finish({ tooLarge: true });
      }
      if (over) return;
      if (!lease || lease.take(chunk.length)) return void chunks.push(chunk);
      over = { size, declared: false, others: lease.others() };
      lease.release();
      chunks.length = 0;
    };
    req.on('data', onData);
    req.once('end', () => finish(over ? { overBudget: over } : { body: Buffer.concat(chunks, size) }));
    req.once('error', () => finish({ aborted: true }));
    req.once('close', () => finish({ aborted: true }));
  });
}

/**
 * Receives a body framed as `framing` (not 'none'). The body's bytes count against the step's budget (`lease`)
 * from the first one; a declared length is reserved, or refused, before anything is read.
 * `expectsContinue`: the client waits for a 100 Continue before it sends the body (we send it, or refuse).
 */
export async function receiveBody(
  req: IncomingMessage,
  res: ServerResponse,
  framing: Exclude<BodyFraming, { kind: 'none' }>,
  lease: BodyLease,
  max: number,
  expectsContinue: boolean,
): Promise<BodyRead> {
  const declared = framing.kind === 'length' ? framing.length : undefined;
  if (declared !== undefined && declared > max) return { tooLarge: true };
  const refused =
    declared !== undefined && !lease.take(declared)
      ? { size: declared, declared: true, others: lease.others() }
      : undefined;
  // A client waiting for 100 Continue has sent nothing yet: it can have its answer at once.
  if (refused && expectsContinue) return { overBudget: refused };
  if (expectsContinue) res.writeContinue();
  return readBody(req, max, declared === undefined ? lease : undefined, refused);
}
