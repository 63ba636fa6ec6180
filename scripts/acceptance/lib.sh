# Shared by the loghub acceptance scripts (sourced, not run). Each script adds only what is
# particular to its transport: the configs it writes and the server-side setup and cleanup.
#
#   acceptance_setup "$@"    exits 2 with a usage line without files; sets $root, $cli, $work (a temp dir) and $work/spec.kv (one identity stage)
#   expected_of INPUT OUT      writes the expected output (CRLF → LF, a final LF after an
#                              unterminated last line) to OUT and prints its line count
#   moved RESULT_JSON          prints egressMessages of a `run --json` result
#   drain_and_check NAME MODE CONFIG LANE OUT EXPECTED LINES
#                              runs the CLI with CONFIG until LINES messages reached OUT: in one run
#                              (MODE=whole), in one run to the end of the input (MODE=to-end), or in
#                              runs of --adapter-max-messages=500 (MODE=bounded), checking each run's
#                              count and the output's length, then compares OUT with EXPECTED.
#                              Prints ok/FAIL and sets fail=1 on failure.

acceptance_setup() {
  [ "$#" -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  # the project's Node.js (root devDependency `node`), not an older system one
  PATH="$root/node_modules/.bin:$PATH"
  cli="node $root/apps/edgeplane/dist/cli.js"
  work="$(mktemp -d)"
  fail=0
  printf 'v=1\nname=acceptance\nsingle_ring.stages.0.id=forward\nsingle_ring.stages.0.stage=identity\n' > "$work/spec.kv"
}

expected_of() {
  sed -e 's/\r$//' "$1" > "$2"
  [ -z "$(tail -c1 "$2")" ] || echo >> "$2"
  wc -l < "$2"
}

moved() {
  node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).egressMessages))' "$1"
}

drain_and_check() {
  local name="$1" mode="$2" config="$3" lane="$4" out="$5" expected="$6" lines="$7"
  local left="$lines" step="$lines" n
  if [ "$mode" = to-end ]; then
    $cli run --spec="$work/spec.kv" --config="$config" --lane-path="$lane" --json > "$work/result.json"
    [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name ($mode): moved $(moved "$work/result.json") of $lines"; fail=1; }
    left=0
  fi
  [ "$mode" != bounded ] || step=500
  while [ "$left" -gt 0 ]; do
    n=$(( left < step ? left : step ))
    $cli run --spec="$work/spec.kv" --config="$config" --lane-path="$lane" --adapter-max-messages="$n" --json > "$work/result.json"
    [ "$(moved "$work/result.json")" = "$n" ] || { echo "FAIL $name ($mode): a run moved $(moved "$work/result.json"), not $n"; fail=1; break; }
    left=$(( left - n ))
    [ "$(wc -l < "$out")" = $(( lines - left )) ] || { echo "FAIL $name ($mode): the output has $(wc -l < "$out") lines, not $(( lines - left ))"; fail=1; break; }
  done
  if cmp -s "$expected" "$out"; then
    echo "ok   $name ($mode): $lines lines, content identical"
  else
    echo "FAIL $name ($mode): output differs from input ($(wc -l < "$out") of $lines lines)"; fail=1
  fi
}
