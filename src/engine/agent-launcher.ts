// Composes what a prompt step needs: the adapter's invocation, the step's instructions (four layers), the model
// gateway and the egress policy. Filled in by the Claude adapter work.
import { WaveError } from '../errors.js';
import type { AgentLauncher } from './agent.js';
import type { AgentContext } from './run-service.js';

export async function createAgentLauncher(context: AgentContext): Promise<AgentLauncher> {
  return {
    async invocationFor({ step }) {
      throw new WaveError('usage', `step '${step.id}': prompt steps are not wired yet (run ${context.runId})`);
    },
  };
}
