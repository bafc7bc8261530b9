#!/usr/bin/env bash
# Runs every test project (and, once they exist, the xfstests-lite quick runs) and prints one line
# "N passed, N failed, N skipped" summed over all of them. Exits non-zero if anything failed or a
# project did not build or report.
set -u
cd "$(dirname "$0")/.."
passed=0; failed=0; skipped=0; broken=0
log_dir=${TEST_LOG_DIR:-artifacts/test-logs}
mkdir -p "$log_dir"
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  log="$log_dir/$name.log"
  trx="$name.trx"
  rm -f "$log_dir/$trx"
  dotnet test "$proj" --no-build -c "${CONFIGURATION:-Release}" --nologo \
    --logger "trx;LogFileName=$trx" --results-directory "$log_dir" \
    ${TEST_FILTER:+--filter "$TEST_FILTER"} >"$log" 2>&1
  rc=$?
  counters=$(grep -o '<Counters [^>]*>' "$log_dir/$trx" 2>/dev/null)
  if [ -z "$counters" ]; then
    echo "   no test results (exit $rc); last lines:"; tail -n 30 "$log" | sed 's/^/   /'
    broken=$((broken + 1)); continue
  fi
  attr() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  p=$(attr passed); f=$(( $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted) ))
  s=$(( $(attr total) - $(attr executed) ))
  if [ "$(attr total)" = 0 ]; then echo "   no tests ran"; broken=$((broken + 1)); continue; fi
  echo "   $p passed, $f failed, $s skipped"
  if [ "$f" != 0 ]; then grep -E '^\s*Failed ' "$log" | sed 's/^/   /' | head -n 50; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then broken=$((broken + 1)); fi
done
for extra in scripts/test-extra.d/*.sh; do
  [ -e "$extra" ] || continue
  # Each extra suite prints its own final "N passed, N failed[, N skipped]" line.
  out=$(bash "$extra" 2>&1); rc=$?
  printf '%s\n' "$out" | sed 's/^/   /'
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -z "$line" ]; then broken=$((broken + 1)); continue; fi
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then broken=$((broken + 1)); fi
done
failed=$((failed + broken))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
