// Composes what a prompt step needs: the adapter's invocation, the step's instructions in four layers (base
// protocol, persona, contract, restrictions), the egress session (allowlist proxy and model gateway) and the
// stream parser that turns the CLI's output into events. The adapter knows nothing of Docker; the sandbox
// knows nothing of adapters; this file is where they meet.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createToolTrace, scrubber, secretValuesOf } from '../audit/index.js';
import {
  adapterFor,
  contextTokens,
  type AdapterEvent,
  type AgentAdapter,
  type AgentOutcome,
} from '../adapters/index.js';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { skillHomeFiles } from '../config/skills.js';
import {
  PROVIDER_CREDENTIAL_ENV,
  effectivePermissions,
  projectFile,
  resolveStepAgent,
  stepPassthrough,
  type ResolvedAgent,
} from '../config/index.js';
import type { Step } from '../config/types.js';
import { describeContracts } from '../contracts/index.js';
import { WaveError } from '../errors.js';
import { eventTime } from '../events/types.js';
import { renderTemplate, type TemplateContext } from '../plan/template.js';
import { isWorktreeStep } from '../plan/worktrees.js';
import type { AgentLauncher, OfflineModel } from './agent.js';
import { openStepEgress } from './egress.js';
import { callJudge } from './judge-call.js';
import { REWORK_IN, REWORK_FEEDBACK_FILE } from './rework.js';
import type { AttemptFailure, AttemptRequest } from './attempt.js';
import type { AgentContext } from './run-service.js';
import type { Invocation } from './invocation.js';
import { RelayMonitor } from './relay-monitor.js';

const PROVIDER_OF = { anthropic: 'anthropic', openai: 'openai', google: 'gemini' } as const;

export interface AgentLauncherOptions {
  /** Answers for the providers that have neither a key nor an upstream (the offline demo). */
  offlineModel?: OfflineModel;
}

export async function createAgentLauncher(
  context: AgentContext,
  options: AgentLauncherOptions = {},
): Promise<AgentLauncher> {
  const egress = await import('../sandbox/egress/index.js');
  const { loadSandboxProfile } = await import('../sandbox/index.js');
  const { manifest, runId, bus } = context;
  const runtime = manifest.manifest.runtime;
  const profile = loadSandboxProfile();
  const extraCaPem = runtime.sandbox.extra_ca_certs
    ? await readFile(path.resolve(manifest.projectDir, runtime.sandbox.extra_ca_certs), 'utf8')
    : undefined;
  const upstreams: Record<string, string> = Object.fromEntries(
    Object.entries(runtime.models)
      .filter(([, m]) => m.base_url)
      .map(([id, m]) => [id, m.base_url as string]),
  );
  const offline = options.offlineModel ? await offlineModel(context, upstreams, options.offlineModel) : undefined;
  // The gateway reads provider keys from here; the offline demo's key never touches process.env.
  const hostEnv: Record<string, string | undefined> = { ...process.env, ...offline?.hostEnv };
  const trace = runtime.audit.log_all_tool_calls
    ? createToolTrace(path.join(context.tracesDir, runId, 'tools.ndjson'))
    : undefined;

  return {
    close: async () => offline?.close(),
    judge: (scope, request) =>
      callJudge(
        { manifest: manifest.manifest, runId, bus, upstreams, hostEnv, ...(extraCaPem ? { extraCaPem } : {}) },
        scope,
        request,
      ),
    async invocationFor({ step, templates, request, context: promptContext, relay }) {
      const pipelineSkills = context.pipeline.pipeline.skills ?? [];
      const agent = resolveStepAgent(manifest.manifest, step, context.flags);
      const adapter = adapterFor(agent.adapter.cli ?? agent.adapterName);
      if (!adapter) {
        throw new WaveError(
          'usage',
          `step '${step.id}': adapter '${agent.adapterName}' has no implementation in this Wave`,
          { hint: "use --adapter claude, or set the persona's adapter" },
        );
      }
      const persona = agent.persona;
      const { egress: resolved, session } = await openStepEgress(context.egress, {
        // The request's step: a relay's summarizer (its own step, engine/relay-summarizer.ts) reports as the step.
        stepId: request.stepId,
        attempt: request.attempt,
        sources: {
          adapterProfile: await egress.readAdapterEgressProfile(agent.adapter.cli ?? agent.adapterName),
          runtimeDefaultAllowed: runtime.sandbox.default_allowed_domains,
          hosts: runtime.sandbox.hosts,
          persona: {
            ...(persona?.sandbox?.network ? { network: persona.sandbox.network } : {}),
            ...(persona?.sandbox?.allowed_domains ? { allowedDomains: persona.sandbox.allowed_domains } : {}),
            ...(persona?.credentials ? { credentials: persona.credentials } : {}),
            ...(persona?.sandbox?.provider_tools ? { providerTools: persona.sandbox.provider_tools } : {}),
          },
          step: {
            ...(step.sandbox?.network ? { network: step.sandbox.network } : {}),
            ...(step.sandbox?.allowed_domains ? { allowedDomains: step.sandbox.allowed_domains } : {}),
          },
        },
        gateway: { upstreams, hostEnv, ...(extraCaPem ? { extraCaPem } : {}) },
      });
      try {
        const provider = egress.PROVIDERS[PROVIDER_OF[adapter.providerFor?.(agent.model) ?? adapter.provider]];
        const passthrough = resolved.credentials === 'passthrough';
        const apiKey = passthrough
          ? (hostEnv[provider.hostKeyEnv[0] ?? ''] ?? egress.PLACEHOLDER_KEY)
          : egress.PLACEHOLDER_KEY;
        // Tool calls and traces are scrubbed of the same values as the step's output: every passthrough variable and
        // every provider credential of the host, whether or not this step could have seen them.
        const hostSecrets = secretValuesOf(hostEnv, [
          ...stepPassthrough(manifest.manifest, step).map((p) => p.name),
          ...PROVIDER_CREDENTIAL_ENV,
        ]);
        const scrub = scrubber([...session.secretValues(), ...(passthrough ? [apiKey] : []), ...hostSecrets]);
        const prompt = await userPrompt(context, step, templates, request, promptContext);
        const invocation = adapter.invocation({
          prompt,
          instructions: await instructions(context, step, agent, request, resolved, relay?.instance ?? 0),
          model: agent.model,
          permissions: effectivePermissions(agent),
          paths: { ...SANDBOX_PATHS, home: profile.home },
          gateway: { baseUrl: `http://127.0.0.1:${provider.port}${provider.containerBasePath}`, apiKey },
          providerTools: resolved.providerTools,
        });
        const parser = adapter.createParser();
        const monitor = relay
          ? new RelayMonitor({ thresholdPercent: relay.thresholdPercent, scrub, task: prompt })
          : undefined;
        const names = new Map<string, string>();
        const emitEvent = (e: AdapterEvent) => {
          const ids = { runId, stepId: request.stepId, attempt: request.attempt, time: eventTime() };
          switch (e.kind) {
            case 'tool_call': {
              const input = scrub(JSON.stringify(e.input));
              names.set(e.id, e.name);
              bus.emit({ ...ids, type: 'tool_call', name: e.name, input, status: 'started' });
              trace?.write({ ...ids, tool: e.name, id: e.id, input });
              break;
            }
            case 'tool_result': {
              const name = names.get(e.id) ?? 'unknown';
              bus.emit({ ...ids, type: 'tool_call', name, input: '', status: e.isError ? 'error' : 'ok' });
              trace?.write({
                ...ids,
                tool: name,
                id: e.id,
                result: e.isError ? 'error' : 'ok',
                ...(e.isError ? { text: scrub(e.text).slice(0, 500) } : {}),
              });
              break;
            }
            case 'usage': {
              const window = e.contextWindow ?? runtime.relay.context_window;
              const contextPercent = Math.round((contextTokens(e) / window) * 1000) / 10;
              bus.emit({
                ...ids,
                type: 'usage',
                inputTokens: e.inputTokens,
                outputTokens: e.outputTokens,
                cacheReadTokens: e.cacheReadTokens,
                cacheWriteTokens: e.cacheCreationTokens,
                contextWindow: window,
                contextPercent,
              });
              monitor?.usage(contextPercent);
              break;
            }
            case 'permission_denial': {
              const input = scrub(JSON.stringify(e.input));
              bus.emit({
                ...ids,
                type: 'warning',
                code: 'permission_denied',
                message: `${e.tool} denied by the persona's permissions: ${input}`,
              });
              trace?.write({ ...ids, tool: e.tool, denied: true, input });
              break;
            }
            default:
              break;
          }
        };
        const result: Invocation = {
          image: agent.adapter.image,
          argv: invocation.argv,
          env: invocation.env,
          stdin: invocation.stdin,
          files: invocation.files,
          ...withSkills(
            invocation.homeFiles,
            skillHomeFiles(pipelineSkills, context.pipeline.projectDir, adapter.name),
          ),
          network: resolved.mode,
          egress: (hasBridge) => session.attachment(hasBridge),
          scrub,
          parseLine: (line, stream) => {
            const events = stream === 'stdout' ? parser.push(line) : (parser.pushStderr?.(line) ?? []);
            for (const e of events) {
              emitEvent(e);
              monitor?.record(e);
            }
            monitor?.settle();
          },
          verdict: (sandboxResult) => {
            const outcome = parser.finish(sandboxResult.exitCode);
            for (const denial of outcome.permissionDenials)
              trace?.write({
                runId,
                stepId: request.stepId,
                attempt: request.attempt,
                time: eventTime(),
                tool: denial.tool,
                denied: true,
              });
            return outcome.ok ? undefined : agentFailure(adapter, outcome);
          },
          cleanup: () => session.close(),
          ...(monitor ? { relay: monitor } : {}),
        };
        return result;
      } catch (err) {
        await session.close();
        throw err;
      }
    },
  };
}

/**
 * With no key and no configured upstream for a provider, a run cannot reach a real model. If the CLI gave an
 * offline model (the pipeline's script, served on loopback), it answers for those providers instead, and the run
 * says so: the offline demo. A set key or upstream always wins: Wave never fakes a model when a real one is
 * configured.
 */
async function offlineModel(
  context: AgentContext,
  upstreams: Record<string, string>,
  start: OfflineModel,
): Promise<{ hostEnv: Record<string, string>; close(): Promise<void> } | undefined> {
  const { PROVIDERS, hostKey } = await import('../sandbox/egress/index.js');
  const used = providersUsed(context);
  const offline = Object.values(PROVIDERS).filter(
    (spec) => used.has(spec.id) && !upstreams[spec.id] && hostKey(spec, process.env) === undefined,
  );
  if (offline.length === 0) return undefined;
  const server = await start({
    pipelineName: context.pipeline.pipeline.metadata.name,
    projectDir: context.pipeline.projectDir,
    input: context.input,
    apiKey: OFFLINE_KEY,
  });
  if (!server) return undefined;
  const hostEnv: Record<string, string> = {};
  for (const spec of offline) {
    // The gateway replaces the container's base path with the upstream's, so the upstream keeps the same path.
    upstreams[spec.id] = `${server.url}${spec.containerBasePath}`;
    for (const variable of spec.hostKeyEnv) hostEnv[variable] = OFFLINE_KEY;
  }
  const keys = offline.map((spec) => spec.hostKeyEnv[0]).join(', ');
  context.note(`no ${keys} set: answering with ${server.label}, an offline demo`);
  return { hostEnv, close: () => server.close() };
}

/** The providers the pipeline's prompt steps talk to (steps whose agent does not resolve are reported later). */
function providersUsed(context: AgentContext): Set<string> {
  const used = new Set<string>();
  const add = (step: Pick<Step, 'id' | 'persona' | 'adapter' | 'model'>) => {
    try {
      const agent = resolveStepAgent(context.manifest.manifest, step, context.flags);
      const adapter = adapterFor(agent.adapter.cli ?? agent.adapterName);
      if (adapter) used.add(PROVIDER_OF[adapter.providerFor?.(agent.model) ?? adapter.provider]);
    } catch {
      // invocationFor reports it against the step.
    }
  };
  for (const step of context.pipeline.pipeline.steps) {
    if (step.exec.type === 'prompt') add(step);
    for (const c of step.handover.contracts) {
      if (c.type === 'llm_judge') used.add('anthropic'); // the judge speaks the Messages API (judge-call.ts)
      if (c.type === 'agent_review' && c.persona)
        add({ id: step.id, persona: c.persona, ...(c.model ? { model: c.model } : {}) });
    }
  }
  return used;
}

/** The adapter's own HOME files plus the pipeline's skills (config/skills.ts). */
function withSkills(
  own: Record<string, string> | undefined,
  skills: Record<string, string>,
): { homeFiles?: Record<string, string> } {
  const all = { ...skills, ...own };
  return Object.keys(all).length ? { homeFiles: all } : {};
}

/** The key the offline demo's gateway adds; the scripted model refuses any other, proving the gateway's part. */
const OFFLINE_KEY = 'wave-offline-demo-key';

function agentFailure(adapter: AgentAdapter, outcome: AgentOutcome): AttemptFailure {
  const failure = outcome.failure ?? { class: 'unknown' as const, reason: 'the agent failed' };
  const reason = `${adapter.name}: ${failure.reason}`;
  return {
    ok: false,
    failureClass: failure.class,
    reason,
    exitCode: null,
    outputTail: '',
    feedback: `The previous attempt failed: ${reason}`,
  };
}

async function userPrompt(
  context: AgentContext,
  step: Step,
  templates: TemplateContext,
  request: AttemptRequest,
  promptContext = '',
): Promise<string> {
  if (step.exec.type !== 'prompt') throw new Error('not a prompt step');
  let source = step.exec.source ?? '';
  if (step.exec.source_path)
    source = await readFile(projectFile(step.exec.source_path, context.pipeline.projectDir), 'utf8');
  let prompt = renderTemplate(source, templates, `step '${step.id}' prompt`);
  if (promptContext) prompt += `\n\n${promptContext}`;
  if (request.rework) {
    const file = `${SANDBOX_PATHS.in}/${REWORK_IN}/${REWORK_FEEDBACK_FILE}`;
    const { of, round, feedback } = request.rework;
    prompt +=
      `\n\n## Rework\nThe outputs of step ${of} failed their checks (round ${round}). They are in ` +
      `${SANDBOX_PATHS.out}: fix them there. The failures (also in ${file}):\n\n${feedback}\n`;
  }
  if (request.previousFailure) {
    prompt += `\n\n## Retry context\nThis is attempt ${request.attempt}. The previous attempt failed:\n\n${request.previousFailure.feedback}\n\nFix the specific failure above. Do not start from scratch.\n`;
  }
  return prompt;
}

/** Where the project's files are: the whole snapshot at /wave/src, or only what the step's mounts give it. */
function sourceLines(step: Step): string[] {
  const mounts = step.workspace?.mount ?? [];
  if (isWorktreeStep(step)) {
    return [
      `- Your working directory ${SANDBOX_PATHS.src} is a private, writable tree of the project's repository`,
      '  (without .git). Make your change to the code there: Wave records it when you finish.',
    ];
  }
  if (mounts.length === 0) {
    return [`- The project's source is at ${SANDBOX_PATHS.src} (your working directory). It is read-only.`];
  }
  const mode = (m: { mode: string }) => (m.mode === 'readwrite' ? 'writable: a private copy' : 'read-only');
  return [
    `- Your working directory is ${SANDBOX_PATHS.src}. Only these parts of the project are mounted:`,
    ...mounts.map((m) => `  - ${m.source} at ${m.target} (${mode(m)})`),
  ];
}

/** The four layers of a step's instructions. Only the first two are prose; the last two are generated. */
async function instructions(
  context: AgentContext,
  step: Step,
  agent: ResolvedAgent,
  request: AttemptRequest,
  { mode: network, allow }: { mode: string; allow: readonly string[] },
  relayInstance: number,
): Promise<string> {
  const { manifest, pipeline } = context;
  const personaFile = agent.personaName ? manifest.systemPromptPaths[agent.personaName] : undefined;
  const persona = personaFile ? await readFile(personaFile, 'utf8') : '';
  const contracts = await describeContracts(step.handover.contracts, {
    outputs: step.output_artifacts.map((o) => ({ name: o.name, path: o.path })),
    resolvePath: (p) => projectFile(p, pipeline.projectDir),
  });
  const perms = effectivePermissions(agent);
  const base = [
    '# Wave step protocol',
    `wave-step: ${step.id}`,
    `wave-attempt: ${request.attempt}`,
    ...(relayInstance > 0 ? [`wave-relay: ${relayInstance}`] : []),
    '',
    `You are running step "${step.id}" of the pipeline "${pipeline.pipeline.metadata.name}" inside a throwaway container.`,
    ...sourceLines(step),
    `- Outputs of earlier steps are at ${SANDBOX_PATHS.in}/<step>/<file>. They are read-only.`,
    `- Write every output to ${SANDBOX_PATHS.out}. Only files declared below are passed on, after they are checked.`,
    '- Work without asking questions: nobody can answer them. Finish by stating briefly what you did.',
  ].join('\n');
  const outputs = step.output_artifacts
    .map((o) => `- ${o.name}: ${SANDBOX_PATHS.out}/${o.path}${o.required ? '' : ' (optional)'}`)
    .join('\n');
  const restrictions = [
    '## Restrictions (enforced by the machine, not by this text)',
    `- Tools allowed: ${perms.allowed_tools.join(', ') || 'none'}${perms.deny.length ? `; denied: ${perms.deny.join(', ')}` : ''}.`,
    network === 'none'
      ? '- There is no network.'
      : network === 'open'
        ? '- Network: any public host through the proxy; local and private addresses are refused.'
        : `- Network: only these hosts, through the proxy: ${allow.join(', ') || '(none)'}; the model API is reached through Wave's gateway.`,
    `- Writes outside ${SANDBOX_PATHS.out}${isWorktreeStep(step) ? `, ${SANDBOX_PATHS.src}` : ''} and /tmp fail.`,
  ].join('\n');
  return (
    [base, persona.trim(), outputs ? `## Declared outputs\n${outputs}` : '', contracts, restrictions]
      .filter(Boolean)
      .join('\n\n') + '\n'
  );
}
