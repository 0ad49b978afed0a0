// The adapters' CLIs are installed with npm during the build. Whatever registry the host's npm uses (a mirror,
// a company proxy) is passed through as the NPM_REGISTRY build argument, so the build goes where the user's
// npm already goes. No registry is ever named here: without host configuration npm keeps its own default.
import { execFile } from 'node:child_process';

export async function hostNpmRegistry(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromEnv = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  return new Promise((resolve) => {
    // npm missing or broken on the host is not an error: the build then uses npm's default inside the image.
    execFile('npm', ['config', 'get', 'registry'], { timeout: 15_000, env }, (err, stdout) => {
      const value = String(stdout ?? '').trim();
      resolve(err || value === '' || value === 'undefined' ? undefined : value);
    });
  });
}
