// The tool calls of one run, by the CLI's call id. Every CLI repeats itself somewhere (Claude a tool_use block on a
// later line, Codex an item's start, update and completion, OpenCode a line): a call is evented and counted once.
import type { ToolCallEvent, ToolInputSummary, ToolResultEvent } from '../types.js';
import { defined } from './json.js';
import { truncate, TOOL_RESULT_MAX } from './summary.js';

export interface ToolCall {
  name: string;
  input: ToolInputSummary;
}

export class ToolRegistry {
  private readonly calls = new Map<string, ToolCall>();
  private readonly ended = new Set<string>();

  /** The tool_call event of a call not seen before; nothing for a repeat. */
  call(id: string, name: string, input: ToolInputSummary, parentId?: string): ToolCallEvent[] {
    if (this.calls.has(id)) return [];
    this.calls.set(id, { name, input });
    return [{ kind: 'tool_call', id, name, input, ...defined({ parentId }) }];
  }

  /** A call seen before (its name and input summary), for a result or refusal that names only the id. */
  get(id: string): ToolCall | undefined {
    return this.calls.get(id);
  }

  /** true the first time a call's end is reported, false for a repeat. */
  end(id: string): boolean {
    if (this.ended.has(id)) return false;
    this.ended.add(id);
    return true;
  }

  /** Distinct calls seen (subagents' included). */
  get size(): number {
    return this.calls.size;
  }
}

/** A tool_result event, its text cut to TOOL_RESULT_MAX. */
export function toolResult(id: string, isError: boolean, text: string, parentId?: string): ToolResultEvent {
  return { kind: 'tool_result', id, isError, text: truncate(text, TOOL_RESULT_MAX), ...defined({ parentId }) };
}
