// Output for the CI system Wave runs under, on top of the usual view: under GitHub Actions (GITHUB_ACTIONS=true)
// a broken contract is also a workflow annotation on the pipeline file's line. Annotations go to stderr, which
// the runner reads for workflow commands as it does stdout, so `-o json` keeps stdout pure NDJSON.
import type { EventSink } from '../events/bus.js';

/**
 * `pipelineFile` is asked only under GitHub Actions. A pipeline that does not load gets no annotation sink: the
 * run refuses it with the full list of problems anyway.
 */
export async function ciSinks(
  projectDir: string,
  pipelineFile: () => Promise<string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EventSink[]> {
  if (env.GITHUB_ACTIONS !== 'true') return [];
  const file = await pipelineFile();
  if (file === undefined) return [];
  const { readPipeline } = await import('../config/index.js');
  const { githubAnnotationSink, pipelineLocator } = await import('../events/index.js');
  const { loaded } = await readPipeline(file, { projectDir });
  if (!loaded) return [];
  return [
    githubAnnotationSink({
      write: (text) => process.stderr.write(text),
      locate: pipelineLocator(loaded),
      ...(env.GITHUB_WORKSPACE ? { workspace: env.GITHUB_WORKSPACE } : {}),
    }),
  ];
}
