#!/bin/sh
# Runs before every command in a Wave container (as the container's user), then execs it.
set -u

# 1. HOME is an empty tmpfs at run time. Seed it with the files images put in /etc/wave/home (for example the
#    agent CLIs' settings that turn off telemetry and update checks). Never overwrite: a file the step already
#    placed there wins. A read-only or missing HOME is not an error here; the CLI will say what it needs.
if [ -d /etc/wave/home ] && [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then
  cp -R --update=none /etc/wave/home/. "$HOME"/ 2>/dev/null || true
fi

# 2. Per-step HOME files (CLI rules and policies an adapter can only give through HOME) arrive read-only in
#    /wave/meta/home. They are copied over the image's seed: the step's own settings win.
if [ -d /wave/meta/home ] && [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ -w "$HOME" ]; then
  cp -R /wave/meta/home/. "$HOME"/ || { echo "wave-entrypoint: cannot place the step's HOME files" >&2; exit 125; }
fi

# 3. The egress bridge needs nothing here: Wave puts it in front of the command (node bridge.mjs … -- argv),
#    so it listens before the command starts and passes its exit code through.

exec "$@"
