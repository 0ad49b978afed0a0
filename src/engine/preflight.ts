// Checks of a pipeline that need more than the config layer knows: the contract files compile (contracts), and
// each prompt step's adapter can honour what its persona asks (adapters). `wave validate` and `wave run` both run
// them, so a broken schema or an unenforceable restriction is reported before any container starts.
import type { Problem } from '../config/index.js';
import {
  effectivePermissions,
  projectFile,
  resolveProjectPath,
  resolveStepAgent,
  type ResolveFlags,
} from '../config/index.js';
import type { LoadedPipeline, Manifest } from '../config/types.js';
import { checkContractFiles } from '../contracts/index.js';
import { adapterFor } from '../adapters/index.js';
import { WaveError } from '../errors.js';
import { projectToolChecker, requiredToolProblems, type ToolChecker } from './required-tools.js';

/** `flags`: a run's --adapter/--model, which decide the agent as they will when the steps start. */
export async function preflightPipeline(
  loaded: LoadedPipeline,
  manifest?: Manifest,
  flags: ResolveFlags = {},
): Promise<Problem[]> {
  return [...(await contractFileProblems(loaded)), ...(manifest ? adapterProblems(loaded, manifest, flags) : [])];
}

/**
 * `wave validate`'s checks: preflightPipeline's, and requires.tools against every step's image (`wave run` asks
 * again, for the images of the steps it runs, once the sandbox is up: see sandbox-setup.ts).
 */
export function validationChecks(): (loaded: LoadedPipeline, manifest?: Manifest) => Promise<Problem[]> {
  let tools: ToolChecker | undefined;
  return async (loaded, manifest) => {
    const problems = await preflightPipeline(loaded, manifest);
    if (!manifest) return problems;
    tools ??= projectToolChecker(manifest);
    return [...problems, ...(await requiredToolProblems(loaded, manifest, tools))];
  };
}

/** Every contract's schema or interface file parses and compiles. */
async function contractFileProblems(loaded: LoadedPipeline): Promise<Problem[]> {
  const problems: Problem[] = [];
  const resolvePath = (p: string) => projectFile(p, loaded.projectDir);
  for (const [i, step] of loaded.pipeline.steps.entries()) {
    for (const [j, contract] of step.handover.contracts.entries()) {
      // Missing and refused files are already reported against schema_path by the config layer.
      if (contract.schema_path !== undefined && !resolveProjectPath(contract.schema_path, loaded.projectDir).exists)
        continue;
      const messages = await checkContractFiles(contract, resolvePath);
      const pos =
        loaded.locate(['steps', i, 'handover', 'contracts', j]) ?? loaded.locate(['steps', i, 'handover', 'contract']);
      for (const message of messages) {
        problems.push({
          severity: 'error',
          file: loaded.file,
          line: pos?.line,
          column: pos?.column,
          message: `step '${step.id}': ${contract.type} contract: ${message}`,
        });
      }
    }
  }
  return problems;
}

/** The step's model is one its adapter can route, and the adapter can enforce the persona's restrictions. */
function adapterProblems(loaded: LoadedPipeline, manifest: Manifest, flags: ResolveFlags): Problem[] {
  const problems: Problem[] = [];
  for (const [i, step] of loaded.pipeline.steps.entries()) {
    if (step.exec.type !== 'prompt') continue;
    const pos = loaded.locate(['steps', i, 'id']);
    const at = { file: loaded.file, line: pos?.line, column: pos?.column };
    let agent;
    try {
      agent = resolveStepAgent(manifest, step, flags);
    } catch {
      continue; // reported by the manifest cross-check
    }
    const adapter = adapterFor(agent.adapter.cli ?? agent.adapterName);
    if (!adapter) continue;
    try {
      adapter.providerFor?.(agent.model);
    } catch (err) {
      if (!(err instanceof WaveError)) throw err;
      problems.push({
        severity: 'error',
        ...at,
        message: `step '${step.id}': ${err.message}`,
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
    for (const warning of adapter.unenforceable?.(effectivePermissions(agent)) ?? []) {
      problems.push({
        severity: 'warning',
        ...at,
        message: `step '${step.id}': ${adapter.name} cannot refuse ${warning}; only the container's limits apply`,
        hint: 'see the adapter notes in README.md, or use an adapter that enforces this rule',
      });
    }
  }
  return problems;
}
