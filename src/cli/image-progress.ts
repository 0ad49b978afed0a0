// `wave images build` in text mode. The builder sends several messages per Dockerfile step (its header, the
// intermediate container, the layer id, the step's own output): the log gets one line per step, and with
// --verbose the step's output under it. Written once each, so a CI log reads like the terminal did.
import type { BuildProgress } from '../images/index.js';

export interface BuildProgressPrinterOptions {
  write: (text: string) => void;
  verbose: boolean;
  /** Styles the `[image step/total]` label (dim on a colour terminal). */
  label: (text: string) => string;
}

const INSTRUCTION_WIDTH = 100;

export function buildProgressPrinter(options: BuildProgressPrinterOptions): (event: BuildProgress) => void {
  const stepShown = new Map<string, number>();
  let previous: string | undefined;
  const print = (line: string): void => {
    // A status repeated back to back (a pull reporting the same layer) says nothing new.
    if (line === previous) return;
    previous = line;
    options.write(`${line}\n`);
  };

  return (event) => {
    const { step } = event;
    if (step) {
      const label = options.label(`[${event.image} ${step.index}/${step.total}]`);
      if (stepShown.get(event.image) !== step.index) {
        stepShown.set(event.image, step.index);
        print(`${label} ${step.instruction.slice(0, INSTRUCTION_WIDTH)}`);
      }
      const header = `Step ${step.index}/${step.total} : ${step.instruction}`;
      if (options.verbose && event.message !== header) print(`${label}   ${event.message}`);
      return;
    }
    // "building <ref>" says what the hash line and the step lines already say.
    if (event.phase === 'build' && !options.verbose) return;
    print(`${options.label(`[${event.image}]`)} ${event.message}`);
  };
}
