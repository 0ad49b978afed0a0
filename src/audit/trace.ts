// The tool-call audit trace of a run (runtime.audit.log_all_tool_calls): one NDJSON line per tool call, result
// and permission denial, already scrubbed by the caller. Appends synchronously so a crash loses nothing written.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface ToolTrace {
  path: string;
  write(record: Record<string, unknown>): void;
}

export function createToolTrace(file: string): ToolTrace {
  mkdirSync(path.dirname(file), { recursive: true });
  return { path: file, write: (record) => appendFileSync(file, JSON.stringify(record) + '\n') };
}
