// `wave serve [--port 8080] [--bind 127.0.0.1] [--token T]`: the web dashboard over this project's runs. Prints the
// address and the one-time login link (it carries the token: shown once), then serves until SIGINT/SIGTERM.
import { WaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { paint, printJson } from './render.js';

export interface ServeCommandOptions {
  port?: string;
  bind?: string;
  token?: string;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new WaveError('usage', `--port ${value}: expected a whole number from 0 to 65535`);
  }
  return port;
}

export async function serveCommand(ctx: CliContext, opts: ServeCommandOptions): Promise<number> {
  const port = parsePort(opts.port);
  const bind = opts.bind ?? '127.0.0.1';
  const token = opts.token ?? process.env.WAVE_SERVE_TOKEN;
  const { openStore } = await import('../engine/run-service.js');
  const { startServer } = await import('../serve/server.js');
  const { backgroundResume } = await import('../serve/resume-launcher.js');
  const wave = [process.execPath, ...process.execArgv, process.argv[1] ?? 'wave', '-m', ctx.manifestPath];
  const store = openStore(ctx.projectDir);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      store,
      projectDir: ctx.projectDir,
      bind,
      port,
      token,
      resume: backgroundResume(wave, ctx.projectDir),
    });
  } catch (err) {
    store.close();
    throw err;
  }
  if (ctx.output === 'json') printJson({ url: server.url, login: server.loginUrl, exposed: server.policy.exposed });
  else {
    process.stdout.write(`wave dashboard: ${server.url}\n`);
    const reads = server.policy.exposed ? 'every page' : 'actions (cancel, resume, apply)';
    process.stdout.write(`${paint(ctx, 'dim', `log in for ${reads}:`)} ${server.loginUrl}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  store.close();
  return 0;
}
