#!/usr/bin/env bash
# Acceptance (not part of the unit suite): the loghub files of a directory through
# parse → filter → redact(IPv4) → file with `edgeplane run`, and the same chain over Redis Streams
# in and out (apps/edgeplane/test/acceptance/stages-loghub.accept.ts). Each output must hold
# exactly the lines a plain regex counts in its input, and no IPv4 address.
#
#   scripts/acceptance/stages-loghub.sh ../shared/data/loghub
#
# Redis: $EDGEPLANE_REDIS_URL, else the machine's redis on 127.0.0.1:6379. Build first (pnpm build).
set -euo pipefail
[ "$#" -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 LOGHUB_DIR" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
export EDGEPLANE_LOGHUB="$(cd "$1" && pwd)"
cd "$root/apps/edgeplane"
exec pnpm exec vitest run --config vitest.acceptance.config.ts
