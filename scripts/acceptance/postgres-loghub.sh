#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file → postgres (COPY into a table it creates), then postgres → file (mode=single, a fresh lane);
# the output must equal the input byte for byte, in order (CRLF endings become LF, an unterminated
# last line gains one). Then four bounded runs of --adapter-max-messages=500 (one lane, so each
# resumes at the checkpoint the previous one left) must move the table again, in order, each line
# once.
#
#   scripts/acceptance/postgres-loghub.sh ../shared/data/loghub/*.log
#
# PostgreSQL: $EDGEPLANE_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test. The tables it
# creates are dropped.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
url="${EDGEPLANE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
run="ep_acceptance_$$_$(date +%s)"
tables=()
pg() { # pg <sql>: one statement through the transport's own client; prints the first column of the first row
  node -e '
    const { createRequire } = require("node:module");
    const postgres = createRequire(process.argv[1])("postgres");
    const sql = postgres(process.argv[2], { onnotice() {}, max: 1 });
    sql.unsafe(process.argv[3]).then((rows) => { const r = rows[0]; console.log(r ? String(Object.values(r)[0]) : ""); return sql.end(); },
      (e) => { console.error(e.message); sql.end(); process.exit(1); });
  ' "$root/packages/transport-postgres/package.json" "$url" "$1"
}
cleanup() {
  for t in "${tables[@]}"; do pg "DROP TABLE IF EXISTS \"$t\"" > /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for input in "$@"; do
  name="$(basename "$input")"
  table="${run}_$(printf '%s' "${name%.log}" | tr -c 'A-Za-z0-9_' '_' | cut -c1-30)"
  tables+=("$table")
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  # file → postgres
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=postgres\negress.url=%s\negress.table=%s\negress.createTable=true\n' \
    "$input" "$url" "$table" > "$work/to-pg.kv"
  $cli run --spec="$work/spec.kv" --config="$work/to-pg.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → postgres moved $(moved "$work/result.json") of $lines"; fail=1; }
  rows="$(pg "SELECT count(*) FROM \"$table\"")"
  [ "$rows" = "$lines" ] || { echo "FAIL $name: the table has $rows rows, not $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"
    printf 'ingress.transport=postgres\ningress.url=%s\ningress.table=%s\negress.transport=file\negress.path=%s\n' \
      "$url" "$table" "$out" > "$work/from-pg.kv"
    drain_and_check "$name" "$mode" "$work/from-pg.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
  done
done
exit "$fail"
