#!/usr/bin/env bash
# Optional coverage-guided fuzzing of one CarteAuth parser with AFL++ and SharpFuzz (docs/fuzzing.md).
# test.sh runs it on the attestation parser for 25 s (step 3b); every parser also runs in the in-process harness
# (tests/CarteAuth.Fuzz.Tests).
# Usage: scripts/fuzz-afl.sh <target> [seconds]     e.g. scripts/fuzz-afl.sh radius 600
#   targets: attestation authenticator-data client-data webauthn-json certificate forwarded-cert jwt jwt-claims radius policy
#   (self-test: a planted crash on inputs starting with "!", to check that crashes are reported; exits non-zero)
# Needs: afl++ (apt-get install afl++), the sharpfuzz tool (dotnet tool restore, from .config/dotnet-tools.json).
# Output: $CARTEAUTH_ARTIFACTS/fuzz-afl/<target>/ (default artifacts/): findings/default/{queue,crashes,hangs}.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz-afl.sh <target> [seconds]}
seconds=${2:-300}
out="${CARTEAUTH_ARTIFACTS:-$(pwd)/artifacts}/fuzz-afl/$target"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++"; exit 2; }
rm -rf "$out/bin" "$out/in"; mkdir -p "$out"

echo "== build, seeds, instrument (sharpfuzz) the CarteAuth assemblies"
dotnet tool restore >/dev/null
dotnet build scripts/afl/CarteAuth.Fuzz.Afl.csproj -c Release -nologo -v:q -o "$out/bin" >/dev/null
# Seeds first: instrumented code only runs under afl-fuzz (it writes to AFL's shared memory).
dotnet "$out/bin/CarteAuth.Fuzz.Afl.dll" "$target" --seeds "$out/in"
for dll in CarteAuth.Core CarteAuth.Fido2 CarteAuth.SmartCard CarteAuth.Gateway; do
  dotnet tool run sharpfuzz "$out/bin/$dll.dll" >/dev/null
done

echo "== afl-fuzz for $seconds s"
# -t: per-input timeout (ms, with a .NET start-up the fork server pays once); -m none: the CLR reserves a lot of
# virtual memory. AFL_SKIP_BIN_CHECK: the target is 'dotnet', not an afl-instrumented binary (SharpFuzz reports
# coverage through AFL's shared memory). AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: core_pattern is not ours to change.
status=0
AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
  afl-fuzz -i "$out/in" -o "$out/findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/bin/CarteAuth.Fuzz.Afl.dll" "$target" \
  >"$out/afl-fuzz.log" 2>&1 || status=$?
stats="$out/findings/default/fuzzer_stats"
if [ -f "$stats" ]; then
  grep -E "^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg) " "$stats"
else
  echo "afl-fuzz did not start (exit $status); see $out/afl-fuzz.log"; tail -20 "$out/afl-fuzz.log"; exit 1
fi
crashes=$(find "$out/findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$out/findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "fuzz-afl $target: $crashes crash(es), $hangs hang(s) in $out/findings/default"
[ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]
