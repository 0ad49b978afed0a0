// Token usage of one run: the per-call figures a CLI reports as it goes, summed, and the cumulative total some CLIs
// report at the end, which wins over the sum (a killed run has none, so the sum stands in).
import type { UsageEvent, UsageTotals } from '../types.js';
import { defined } from './json.js';

export function zeroUsage(): UsageTotals {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
}

/** What a usage event may carry besides the four counts. */
export type UsageDetails = { [K in Exclude<keyof UsageEvent, 'kind' | keyof UsageTotals>]?: UsageEvent[K] | undefined };

export function usageEvent(usage: UsageTotals, details: UsageDetails = {}): UsageEvent {
  const { inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens } = usage;
  return { kind: 'usage', inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens, ...defined(details) };
}

export class UsageMeter {
  private readonly sum = zeroUsage();
  private cumulative: UsageTotals | undefined;
  private readonly messages = new Set<string>();

  /**
   * false when the usage of this message was counted already: a CLI that repeats one message's usage on each of
   * its lines (Claude) must count it once, never sum the lines. A call without an id always counts.
   */
  firstOf(messageId: string | undefined): boolean {
    if (messageId === undefined) return true;
    if (this.messages.has(messageId)) return false;
    this.messages.add(messageId);
    return true;
  }

  /** One model call: added to the sum; its event. */
  call(usage: UsageTotals, details: UsageDetails = {}): UsageEvent {
    this.sum.inputTokens += usage.inputTokens;
    this.sum.outputTokens += usage.outputTokens;
    this.sum.cacheReadTokens += usage.cacheReadTokens;
    this.sum.cacheCreationTokens += usage.cacheCreationTokens;
    return usageEvent(usage, details);
  }

  /** The CLI's own cumulative total of the run. */
  report(total: UsageTotals): void {
    this.cumulative = { ...total };
  }

  /** The reported total, when the CLI gave one. */
  get reported(): UsageTotals | undefined {
    return this.cumulative ? { ...this.cumulative } : undefined;
  }

  /** The reported total, else the sum of the calls (zero when there were none). */
  total(): UsageTotals {
    return { ...(this.cumulative ?? this.sum) };
  }
}
