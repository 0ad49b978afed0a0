// The offline demo: a pipeline that ships a model script (.wave/scripts/<pipeline>.yaml or .agents/scripts/, or defaults/scripts/) is
// answered by the scripted model on loopback. The CLI hands this to the engine, which asks for it only for the
// providers a run has neither a key nor an upstream for.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_LAYOUTS, defaultsDir } from '../config/paths.js';
import { loadModelScript } from './script-load.js';
import { startScriptedModel } from './server.js';

export interface OfflineDemoRequest {
  pipelineName: string;
  projectDir: string;
  /** The run's input: the script's `{{ input }}`, so the demo shows it travel into the artifacts. */
  input: string;
  /** The only key the model accepts: the gateway's, proving that it added it. */
  apiKey: string;
}

export interface OfflineDemo {
  url: string;
  /** What answers, for the run's note. */
  label: string;
  close(): Promise<void>;
}

/** Undefined when the pipeline ships no script. */
export async function startOfflineDemo(request: OfflineDemoRequest): Promise<OfflineDemo | undefined> {
  const file = `${request.pipelineName}.yaml`;
  const candidates = [
    ...PROJECT_LAYOUTS.map((layout) => path.join(request.projectDir, layout, 'scripts', file)),
    path.join(defaultsDir(), 'scripts', file),
  ];
  const script = candidates.find((f) => existsSync(f));
  if (!script) return undefined;
  const server = await startScriptedModel({
    script: await loadModelScript(script),
    requireApiKey: request.apiKey,
    input: request.input,
  });
  const label = `the scripted model (${path.relative(process.cwd(), script) || script})`;
  return { url: server.url, label, close: () => server.close() };
}
