// The llm_judge model call: one Anthropic Messages request made by Wave on the host, to the upstream the gateway
// would use (runtime.models.anthropic.base_url, the offline demo's scripted model, else the provider), with the
// host's key. The judgement is the input of a forced tool call; its usage is evented like a step's.
import type { Manifest } from '../config/types.js';
import { KNOWN_CLIS } from '../config/clis.js';
import { isTierName } from '../config/manifest.js';
import type { JudgeAnswer, JudgeRequest } from '../contracts/types.js';
import { WaveError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { eventTime } from '../events/types.js';

const JUDGE_TIMEOUT_MS = 120_000;
const CONTEXT_WINDOW = 200_000;

export interface JudgeEnv {
  manifest: Manifest;
  runId: string;
  bus: EventBus;
  upstreams: Readonly<Record<string, string>>;
  hostEnv: Readonly<Record<string, string | undefined>>;
  extraCaPem?: string;
}

/** Who the call is for: the judged step, and a number that tells the judge's calls apart (the scripted model's). */
export interface JudgeScope {
  stepId: string;
  attempt: number;
  call: number;
}

/** A tier through the manifest's claude adapter (else the built-in map); a name as written; default cheapest. */
export function judgeModel(manifest: Manifest, requested = 'cheapest'): string {
  if (!isTierName(requested)) return requested;
  const claude = Object.values(manifest.adapters).find((a) => a.cli === 'claude');
  const own = claude?.tier_models?.[requested];
  return own && own !== 'default' ? own : (KNOWN_CLIS.claude?.tiers[requested] ?? requested);
}

type Block = { type?: string; input?: unknown; text?: string };

/** The tool call's input, else JSON in the text (a model that answered in prose around it is not trusted). */
export function judgementOf(content: unknown, tool: string): unknown {
  const blocks = Array.isArray(content) ? (content as Block[]) : [];
  const call = blocks.find((b) => b.type === 'tool_use' && (b as { name?: string }).name === tool);
  if (call) return call.input;
  const text = blocks.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
  try {
    return JSON.parse(text.trim());
  } catch {
    return undefined;
  }
}

export async function callJudge(env: JudgeEnv, scope: JudgeScope, request: JudgeRequest): Promise<JudgeAnswer> {
  const egress = await import('../sandbox/egress/index.js');
  const spec = egress.PROVIDERS.anthropic;
  const body = {
    model: judgeModel(env.manifest, request.model),
    max_tokens: 4096,
    // The markers name the call for the scripted model (src/model/README.md), as a step's instructions do.
    system: `wave-step: ${scope.stepId}.judge\nwave-attempt: ${scope.call}\n\n${request.system}`,
    messages: [{ role: 'user', content: request.prompt }],
    tools: [request.tool],
    tool_choice: { type: 'tool', name: request.tool.name },
  };
  const answer = await egress.callModelUpstream({
    spec,
    upstream: env.upstreams.anthropic ?? spec.defaultUpstream,
    hostEnv: env.hostEnv,
    path: '/v1/messages',
    body,
    timeoutMs: JUDGE_TIMEOUT_MS,
    ...(env.extraCaPem ? { extraCaPem: env.extraCaPem } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const json = (answer.json ?? {}) as {
    content?: unknown;
    usage?: Record<string, number>;
    error?: { message?: string };
  };
  if (answer.status !== 200) {
    const why = json.error?.message ?? `status ${answer.status}`;
    throw new WaveError('sandbox_failed', `the judge's model call failed: ${why}`, {
      hint: 'check runtime.models.anthropic and ANTHROPIC_API_KEY',
    });
  }
  const usage = json.usage ?? {};
  const counts = {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
  const used = counts.inputTokens + counts.cacheReadTokens + counts.cacheWriteTokens;
  env.bus.emit({
    type: 'usage',
    runId: env.runId,
    stepId: scope.stepId,
    attempt: scope.attempt,
    time: eventTime(),
    ...counts,
    contextWindow: CONTEXT_WINDOW,
    contextPercent: Math.round((used / CONTEXT_WINDOW) * 1000) / 10,
  });
  return { judgement: judgementOf(json.content, request.tool.name), tokens: counts.inputTokens + counts.outputTokens };
}
