#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then builds and runs every test of Monitor.sln.
# Prints one closing line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive for real (started by the tests themselves on 127.0.0.1).
declare -A wanted=([promtool]=prometheus [prometheus]=prometheus [prometheus-alertmanager]=prometheus-alertmanager [chromium]=chromium)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build Monitor.sln -nologo -v quiet -warnaserror
set +e
# Test assemblies run side by side (as many as there are cores): every test waits for conditions with deadlines
# that hold on a loaded machine, never for fixed times.
dotnet test --solution Monitor.sln --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

total=$(awk '/^ *total:/ {print $2}' "$log" | tail -1)
failed=$(awk '/^ *failed:/ {print $2}' "$log" | tail -1)
passed=$(awk '/^ *succeeded:/ {print $2}' "$log" | tail -1)
skipped=$(awk '/^ *skipped:/ {print $2}' "$log" | tail -1)
if [ -z "$total" ]; then
  echo "0 passed, 1 failed"
  exit "${status:-1}"
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
