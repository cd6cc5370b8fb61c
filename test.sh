#!/usr/bin/env bash
# CarteAuth: install what the tests need (idempotently) and run every test.
# Usage: ./test.sh            (CI calls exactly this through .ci/run)
# Env:   CARTEAUTH_SKIP_INSTALL=1 skips the apt-get/npm step (already installed).
#        CARTEAUTH_SKIP_BENCH_SMOKE=1 skips the benchmark dry run.
#        CARTEAUTH_SKIP_LOAD=1 skips the 60 s load-and-no-loss run.
#        CARTEAUTH_SKIP_AFL=1 skips the AFL++ fuzz run; CARTEAUTH_AFL_SECONDS (default 25) sets its length;
#        CARTEAUTH_FUZZ_SECONDS (default 7) the in-process fuzz time per parser (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# ---- 1. prerequisites (Debian packages, npm packages), installed only when missing ----
# Debian packages the tests start or call (later issues add nginx, redis-server, postgresql, softhsm2…).
# openssl: OCSP responder and dev PKI read-back; softhsm2 + opensc (pkcs11-tool): the PKCS#11 card tests' token;
# nginx: the TLS-terminating reverse proxy forwarding card certificates (tests start their own on 127.0.0.1);
# chromium: the real-browser WebAuthn tests (Playwright drives /usr/bin/chromium; no browser download);
# redis-server: the Redis store tests and two gateway nodes sharing one Redis (tests start their own on 127.0.0.1);
# postgresql: the PostgreSQL store tests (they initdb their own cluster in a temp dir and start it on 127.0.0.1);
# freeradius-utils: the real radclient the RADIUS server tests talk to (no daemon: the package starts no service).
# caddy: the real Caddy in front of the forward-auth endpoint (forward_auth; tests run it as a foreground process).
# afl++: the coverage-guided fuzz run of step 3c (scripts/fuzz-afl.sh, docs/fuzzing.md).
apt_packages=(openssl softhsm2 opensc nginx chromium redis-server postgresql freeradius-utils caddy afl++)
need_apt=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done
if [ "${CARTEAUTH_SKIP_INSTALL:-0}" != 1 ] && [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need_apt[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  # No service may start on install (nginx's and caddy's would listen on all interfaces on port 80, redis-server's on 6379, postgresql's on 5432): a policy-rc.d that denies
  # every start (exit 101, Debian's invoke-rc.d policy), removed afterwards unless one was already there.
  policy=/usr/sbin/policy-rc.d; own_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null; $sudo_cmd chmod +x "$policy"; own_policy=1; fi
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  [ "$own_policy" = 1 ] && $sudo_cmd rm -f "$policy"
fi
# npm packages of samples that tests start (e.g. the PSC simulator), each with its lock file
if [ "${CARTEAUTH_SKIP_INSTALL:-0}" != 1 ]; then
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "== npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done < <(find samples -name package-lock.json -not -path '*/node_modules/*' 2>/dev/null)
fi

# ---- 2. build everything, warnings are errors ----
echo "== dotnet build"
dotnet build CarteAuth.sln -c Release -warnaserror -nologo -v:q

# ---- 3. run every test project ----
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
echo "== dotnet test"
dotnet test CarteAuth.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 5m || status=$?

# ---- 3b. load and no loss: 32 virtual users for 60 s against one CarteAuth node on 127.0.0.1 (SQLite stores), then
# every attempt must have exactly one audit event, the hash chain must verify, no session or credential lost or doubled ----
if [ "${CARTEAUTH_SKIP_LOAD:-0}" != 1 ]; then
  echo "== load and no loss (benchmarks/CarteAuth.LoadTest, 60 s)"
  # Prints its figures (requests, errors, p50/p99/max per kind, requests/s) and the checks; also in artifacts/load.log.
  timeout 300 dotnet run -c Release --project benchmarks/CarteAuth.LoadTest --no-build -- --users 32 --duration 60 --max-requests 500000 \
    2>&1 | tee "$root/artifacts/load.log" || { echo "load and no loss failed (exit or timeout), see artifacts/load.log"; status=1; }
fi

# ---- 3c. coverage-guided fuzzing, time-boxed: AFL++ with SharpFuzz on the attestation/CBOR parser (docs/fuzzing.md) ----
# The in-process mutation harness of every parser ran in step 3 (tests/CarteAuth.Fuzz.Tests).
if [ "${CARTEAUTH_SKIP_AFL:-0}" != 1 ]; then
  echo "== AFL++ fuzzing (attestation, ${CARTEAUTH_AFL_SECONDS:-25} s)"
  timeout 600 scripts/fuzz-afl.sh attestation "${CARTEAUTH_AFL_SECONDS:-25}" || { echo "AFL++ fuzzing found a crash or hang, or did not run (see above)"; status=1; }
fi

# ---- 4. benchmarks still run (dry job: one iteration, no measurement) ----
if [ "${CARTEAUTH_SKIP_BENCH_SMOKE:-0}" != 1 ]; then
  echo "== benchmark smoke run (dry job)"
  timeout 900 dotnet run -c Release --project benchmarks/CarteAuth.Benchmarks --no-build -- \
    --filter '*' --job Dry --artifacts "$root/artifacts/benchmarks-dry" >"$root/artifacts/benchmarks-dry.log" 2>&1 \
    || { echo "benchmark smoke run failed, see artifacts/benchmarks-dry.log"; tail -30 "$root/artifacts/benchmarks-dry.log"; status=1; }
fi

# ---- 5. one summary line over all test projects ----
sum_counter() { ( set +o pipefail; cat "$results"/*.trx 2>/dev/null | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk "{s+=\$1} END {print s+0}" ); }
passed=$(sum_counter passed); failed=$(( $(sum_counter failed) + $(sum_counter error) + $(sum_counter timeout) )); skipped=$(sum_counter notExecuted)
echo "Total: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "${passed:-0}" -gt 0 ] || { echo "no test ran"; status=1; }
exit $status
