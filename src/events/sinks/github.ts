// Under GitHub Actions a broken contract is also a workflow annotation
// (`::error file=<pipeline>,line=<line>,title=…::message`): GitHub shows it on the line of the pipeline file that
// declares the contract, in the job's summary and on the pull request. Only the attempt that ended the step
// counts: a failure that a retry repaired is not the job's problem. A soft (warn) contract becomes a `::warning`.
// The message is the step's text: made terminal-safe, then escaped by GitHub's rules, so it can neither end the
// command early nor start one of its own on a new line.
import path from 'node:path';
import type { LoadedPipeline } from '../../config/types.js';
import type { EventSink } from '../bus.js';
import { terminalSafeDeep } from '../terminal-safe.js';
import type { ContractResultEvent } from '../types.js';

export interface SourceLine {
  file: string;
  line: number;
}

/** Where a step, or one of its contracts (by its index in the step's list), is written. */
export type StepLocator = (stepId: string, contractIndex?: number) => SourceLine | undefined;

export interface GithubAnnotationSinkOptions {
  write: (text: string) => void;
  locate: StepLocator;
  /** GITHUB_WORKSPACE: file paths under it are given relative to it, as GitHub matches them to the repository. */
  workspace?: string;
}

/** The locator of a loaded pipeline: a contract's own line, else its step's. */
export function pipelineLocator(loaded: Pick<LoadedPipeline, 'file' | 'locate' | 'pipeline'>): StepLocator {
  return (stepId, contractIndex) => {
    const index = loaded.pipeline.steps.findIndex((step) => step.id === stepId);
    if (index < 0) return undefined;
    // A single `handover.contract` has no list: the path then ends at `handover`, whose first line is that key.
    const step = ['steps', index];
    const at = contractIndex === undefined ? step : [...step, 'handover', 'contracts', contractIndex];
    return { file: loaded.file, line: loaded.locate(at)?.line ?? 1 };
  };
}

/** GitHub's escaping of a command's message (actions/toolkit `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** GitHub's escaping of a command's property value (actions/toolkit `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function githubAnnotationSink(options: GithubAnnotationSinkOptions): EventSink {
  /** The failed contracts of each step's current attempt. */
  const failed = new Map<string, ContractResultEvent[]>();

  const fileName = (file: string): string => {
    if (options.workspace === undefined) return file;
    const relative = path.relative(options.workspace, file);
    const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    return outside ? file : relative.split(path.sep).join('/');
  };

  const annotate = (result: ContractResultEvent): void => {
    const where = options.locate(result.stepId, result.index);
    const contract = `contract ${result.index + 1} (${result.contractType})`;
    const title = `Wave: step '${result.stepId}' ${result.hard ? 'failed' : 'warned on'} its ${contract}`;
    const properties = [
      ...(where ? [`file=${escapeProperty(fileName(where.file))}`, `line=${where.line}`] : []),
      `title=${escapeProperty(title)}`,
    ];
    const message = `step '${result.stepId}', ${contract}: ${result.errors.join('\n')}`;
    options.write(`::${result.hard ? 'error' : 'warning'} ${properties.join(',')}::${escapeData(message)}\n`);
  };

  return {
    name: 'github annotations',
    write(event) {
      if (event.stepId === undefined) return;
      switch (event.type) {
        case 'contract_result':
          if (!event.ok) failed.set(event.stepId, [...(failed.get(event.stepId) ?? []), terminalSafeDeep(event)]);
          return;
        case 'step_failed':
        case 'step_completed':
          for (const result of failed.get(event.stepId) ?? []) annotate(result);
          failed.delete(event.stepId);
          return;
        case 'step_started':
        case 'step_retrying':
        case 'step_cancelled':
        case 'step_timed_out':
          failed.delete(event.stepId);
          return;
        default:
          return;
      }
    },
  };
}
