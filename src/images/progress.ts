// The classic builder answers with a stream of JSON objects ({stream}, {status}, {aux}, {error}). This turns
// them into progress reports and remembers the current step's output, so a failure can show what failed.
import type { BuildProgress } from './types.js';

export interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

export interface BuildOutcome {
  /** The image id from the builder's `aux` message or its final "Successfully built" line. */
  imageId: string | undefined;
  error: string | undefined;
  /** The instruction that was running when the error arrived. */
  failedStep: string | undefined;
  /** The last lines of output of that step. */
  stepOutput: string[];
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
// Builder bookkeeping, not the step's own output.
const NOISE = /^( ---> |Removing intermediate container )/;
// RUN output keeps the terminal colours of the tools it ran.
// eslint-disable-next-line no-control-regex -- ESC starts the colour sequences this strips
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const BUILT = /^Successfully built ([0-9a-f]{12,64})$/;
const KEEP_LINES = 40;

export class BuildStreamParser {
  private buffer = '';
  private step: { index: number; total: number; instruction: string } | undefined;
  private output: string[] = [];
  readonly outcome: BuildOutcome = { imageId: undefined, error: undefined, failedStep: undefined, stepOutput: [] };

  constructor(
    private readonly image: string,
    private readonly emit: (event: BuildProgress) => void,
  ) {}

  /** Feed raw bytes; messages may be split across chunks or several may share one. */
  write(chunk: Buffer | string): void {
    this.buffer += chunk.toString();
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.line(line);
    }
  }

  end(): BuildOutcome {
    const rest = this.buffer.trim();
    this.buffer = '';
    if (rest !== '') this.line(rest);
    return this.outcome;
  }

  private line(line: string): void {
    let msg: BuildMessage;
    try {
      msg = JSON.parse(line) as BuildMessage;
    } catch {
      this.text(line);
      return;
    }
    if (msg.error !== undefined || msg.errorDetail?.message !== undefined) {
      this.outcome.error = simplifyError((msg.errorDetail?.message ?? msg.error ?? 'unknown error').trim());
      this.outcome.failedStep = this.step
        ? `step ${this.step.index}/${this.step.total} (${shorten(this.step.instruction)})`
        : undefined;
      this.outcome.stepOutput = [...this.output];
      return;
    }
    if (msg.aux?.ID !== undefined) this.outcome.imageId = msg.aux.ID;
    if (typeof msg.stream === 'string') for (const l of msg.stream.split('\n')) this.text(l);
    if (typeof msg.status === 'string') this.report(msg.id ? `${msg.status} ${msg.id}` : msg.status);
  }

  private text(raw: string): void {
    const text = raw.replace(ANSI, '').replace(/\r/g, '').trimEnd();
    if (text.trim() === '') return;
    const step = STEP.exec(text);
    if (step) {
      this.step = { index: Number(step[1]), total: Number(step[2]), instruction: step[3] ?? '' };
      this.output = [];
      this.report(text);
      return;
    }
    const built = BUILT.exec(text.trim());
    if (built && this.outcome.imageId === undefined) this.outcome.imageId = built[1];
    if (!NOISE.test(text)) {
      this.output.push(text);
      if (this.output.length > KEEP_LINES) this.output.shift();
    }
    this.report(text);
  }

  private report(message: string): void {
    const event: BuildProgress = { image: this.image, phase: 'build', message };
    if (this.step) event.step = { ...this.step };
    this.emit(event);
  }
}

function shorten(instruction: string, max = 80): string {
  const flat = instruction.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The classic builder repeats the whole RUN command in its error; the step already names it. */
export function simplifyError(message: string): string {
  const exit = /^The command '[\s\S]*' returned a non-zero code: (\d+)$/.exec(message);
  return exit ? `the command exited with code ${exit[1]}` : message;
}
