#!/usr/bin/env bash
# Every bench twice, under two Node.js binaries, alternating which goes first (before/after a
# runtime move). Prints each bench's own summary lines with the load average; compare ratios
# within a pair, not across pairs.
#   bench/node-versions.sh [BEFORE_NODE] [AFTER_NODE]
# Defaults: the system `node` (before) and the project's pinned Node (`pnpm exec node`, after).
# Benches whose dependencies need a newer Node than BEFORE_NODE print their error and go on.
set -u
cd "$(dirname "$0")/.."
before=${1:-$(command -v node)}
after=${2:-$(pnpm exec node -p process.execPath)}
benches=(
  "bench/file-to-file.mjs --rounds=2"
  "bench/file-to-file.mjs --rounds=2 --ring=1024 --batch=1024"
  "bench/redis-streams.mjs --rounds=2"
  "bench/nats.mjs --rounds=2"
  "bench/rabbitmq-streams.mjs --rounds=3"
  "bench/reporting.mjs --rounds=2"
  "bench/kafka.mjs --messages=500000 --rounds=1"
)
one() {
  echo "### $1 $("$2" --version) ${*:3} (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$2" "${@:3}" 2>&1 | grep -vE 'Warning|trace-warnings|Timeout duration' | tail -20
}
i=0
for b in "${benches[@]}"; do
  # shellcheck disable=SC2086
  if ((i++ % 2)); then one after "$after" $b; one before "$before" $b; else one before "$before" $b; one after "$after" $b; fi
done
