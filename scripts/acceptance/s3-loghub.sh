#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file → s3, then s3 → file; the output must equal the input byte for byte, in order (CRLF
# endings become LF, an unterminated last line gains one). Then four bounded runs of
# --adapter-max-messages=500 (one lane: the checkpoint resumes mid-object) must move the objects
# again, in order, each line once.
#
#   scripts/acceptance/s3-loghub.sh ../shared/data/loghub/*.log
#
# S3: $EDGEPLANE_S3_URL with $EDGEPLANE_S3_ACCESS_KEY_ID / $EDGEPLANE_S3_SECRET_ACCESS_KEY and an
# existing bucket $EDGEPLANE_S3_BUCKET; else a private S3Proxy (Java + Maven, see
# @edgeplane/test-servers startS3Proxy) started for this run and stopped at its end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
run="ep-acceptance-$$-$(date +%s)"
if [ -n "${EDGEPLANE_S3_URL:-}" ]; then
  url="$EDGEPLANE_S3_URL"
  key="${EDGEPLANE_S3_ACCESS_KEY_ID:?set EDGEPLANE_S3_ACCESS_KEY_ID}"
  export EP_S3_SECRET="${EDGEPLANE_S3_SECRET_ACCESS_KEY:?set EDGEPLANE_S3_SECRET_ACCESS_KEY}"
  bucket="${EDGEPLANE_S3_BUCKET:?set EDGEPLANE_S3_BUCKET (an existing bucket)}"
else
  # A private S3Proxy, alive while its stdin is open.
  coproc S3PROXY {
    cd "$root/packages/test-servers" && node --input-type=module -e '
      const { startS3Proxy } = await import("./dist/index.js");
      const s = await startS3Proxy({ buckets: ["acceptance"] });
      console.log(JSON.stringify({ url: s.url, key: s.accessKeyId, secret: s.secretAccessKey }));
      process.stdin.resume();
      process.stdin.on("end", async () => { await s.stop(); process.exit(0); });
    '
  }
  read -r started <&"${S3PROXY[0]}"
  field() { node -e 'process.stdout.write(JSON.parse(process.argv[1])[process.argv[2]])' "$started" "$1"; }
  url="$(field url)"
  key="$(field key)"
  export EP_S3_SECRET="$(field secret)"
  bucket=acceptance
fi
cleanup() {
  if [ -n "${S3PROXY_PID:-}" ]; then
    exec {S3PROXY[1]}>&- || true
    wait "$S3PROXY_PID" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
s3() { # s3 <side> <prefix>: the adapter lines of one side (the secret from the environment)
  printf '%s.transport=s3\n%s.endpoint=%s\n%s.forcePathStyle=true\n%s.bucket=%s\n%s.prefix=%s\n%s.accessKeyId=%s\n%s.secretAccessKey=${EP_S3_SECRET}\n' \
    "$1" "$1" "$url" "$1" "$1" "$bucket" "$1" "$2" "$1" "$key" "$1"
}
for input in "$@"; do
  name="$(basename "$input")"
  prefix="$run/$name/"
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  # file → s3
  { printf 'ingress.transport=file\ningress.path=%s\n' "$input"; s3 egress "$prefix"; } > "$work/to-s3.kv"
  $cli run --spec="$work/spec.kv" --config="$work/to-s3.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → s3 moved $(moved "$work/result.json") of $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"
    { s3 ingress "$prefix"; printf 'egress.transport=file\negress.path=%s\n' "$out"; } > "$work/from-s3.kv"
    drain_and_check "$name" "$mode" "$work/from-s3.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
  done
done
exit "$fail"
