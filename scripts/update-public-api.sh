#!/usr/bin/env bash
# Regenerate the public API files of every package (src/*/PublicAPI.{Shipped,Unshipped}.txt) from the code, with the
# PublicApiAnalyzers code fixes (RS0016: declare a new public symbol, RS0017: remove a declared one that is gone).
# Usage: scripts/update-public-api.sh          new symbols go to PublicAPI.Unshipped.txt (review them in the diff)
#        scripts/update-public-api.sh --ship   then move every Unshipped entry into PublicAPI.Shipped.txt (a release)
# Run it after an intended public API change (the build fails with RS0016/RS0017 until the files match the code).
set -euo pipefail
cd "$(dirname "$0")/.."
ship=0; [ "${1:-}" = "--ship" ] && ship=1
for proj in src/*/*.csproj; do
  dir=$(dirname "$proj")
  for f in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    [ -s "$dir/$f" ] || printf '#nullable enable\n' > "$dir/$f"
  done
  echo "== $proj"
  # dotnet format applies the analyzer's code fixes (it stops with a non-zero code when some diagnostics have no fix).
  dotnet format analyzers "$proj" --diagnostics RS0016 RS0017 --severity warn -v q || true
  if [ "$ship" = 1 ]; then
    { echo '#nullable enable'; grep -hv '^#nullable enable$' "$dir/PublicAPI.Shipped.txt" "$dir/PublicAPI.Unshipped.txt" | grep -v '^$' | LC_ALL=C sort -u; } > "$dir/PublicAPI.Shipped.tmp"
    mv "$dir/PublicAPI.Shipped.tmp" "$dir/PublicAPI.Shipped.txt"
    printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  fi
done
