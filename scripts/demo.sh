#!/usr/bin/env bash
# `make demo`: run the hello-world pipeline with the real Claude Code CLI in its hardened container, in a fresh
# demo project. With ANTHROPIC_API_KEY set it goes to the provider through Wave's gateway; without one Wave
# answers with its scripted model (offline) and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=${WAVE_DEMO_DIR:-$root/.demo}
mkdir -p "$demo"
cd "$demo"
[ -d .git ] || git init -q
[ -f README.md ] || printf '# Demo project\n\nA folder for `make demo`: Wave mounts it read-only into each step.\n' > README.md
[ -f wave.yaml ] || node "$root/bin/wave.js" init >/dev/null
node "$root/bin/wave.js" run hello-world "Ada"
run=$(node "$root/bin/wave.js" list runs --limit 1 -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].id))')
node "$root/bin/wave.js" artifacts "$run" --export "$demo/out/$run" >/dev/null
echo
echo "== what the agents wrote ($demo/out/$run)"
for f in "$demo/out/$run"/*/*; do echo "--- ${f#"$demo/out/$run/"}"; cat "$f"; echo; done
