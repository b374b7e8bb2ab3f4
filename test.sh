#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then builds and runs every test project of Monitor.sln.
# Prints one closing line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive for real (started by the tests themselves on 127.0.0.1).
declare -A wanted=([promtool]=prometheus [prometheus]=prometheus [prometheus-alertmanager]=prometheus-alertmanager [chromium]=chromium [node]=nodejs [npm]=npm)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Kubernetes manifests are checked offline with kubectl kustomize (on the build machines) and the npm packages of
# tests/kubernetes-schemas (the Kubernetes and prometheus-operator schemas), installed from its package-lock.json.
command -v kubectl >/dev/null 2>&1 || echo "warning: kubectl is not on PATH; the Kubernetes manifest tests will fail" >&2
if [ ! -d tests/kubernetes-schemas/node_modules ] || [ tests/kubernetes-schemas/package-lock.json -nt tests/kubernetes-schemas/node_modules ]; then
  npm ci --prefix tests/kubernetes-schemas --no-audit --no-fund --loglevel=error >/dev/null
fi

# A dozen .NET processes (test hosts, services, simulators) share the two cores: idle thread-pool workers sleep at
# once instead of spinning for work first, which on an oversubscribed machine only takes the CPU from the busy ones.
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# The compiler server builds the 17 projects in half the time of one compiler process each (which the SDK falls back
# to where MSBuild node reuse is off, as on CI machines); it is shut down once the build is done.
built=0
dotnet build Monitor.sln -nologo -v quiet -warnaserror -p:UseSharedCompilation=true || built=$?
dotnet build-server shutdown >/dev/null 2>&1 || true
[ "$built" -eq 0 ] || exit "$built"

# Two lanes side by side, one per core, each running its test projects one after another, the longest first; the
# lanes take about as long as each other. Every test waits for conditions with deadlines that hold on a loaded
# machine, never for fixed times. A test project not named here runs in the first lane.
lanes=(
  "tests/ComfyMonitor.EndToEnd.Tests tests/ComfyMonitor.Collector.Tests"
  "tests/ComfyMonitor.Reliability.Tests tests/ComfyMonitor.Probe.Tests tests/ComfyMonitor.AppHost.Tests tests/ComfyMonitor.ComfyApi.Tests tests/ComfyMonitor.Docs.Tests"
)
for project in tests/*.Tests; do
  case " ${lanes[*]} " in *" $project "*) ;; *) lanes[0]+=" $project" ;; esac
done

run_lane() {
  for project in "$@"; do
    local log="$logs/$(basename "$project").log"
    dotnet test --project "$project" --no-build >"$log" 2>&1 || true
    # One project's output at a time, whole, so that the lanes do not interleave.
    flock "$logs" cat "$log"
  done
}

pids=()
for lane in "${lanes[@]}"; do
  # shellcheck disable=SC2086 # a lane is a list of project paths without spaces
  run_lane $lane &
  pids+=($!)
done
wait "${pids[@]}"

sum() { cat "$logs"/*.log | awk -v key="$1" '$1 == key":" {n += $2} END {print n + 0}'; }
total=$(sum total)
passed=$(sum succeeded)
failed=$(sum failed)
skipped=$(sum skipped)
unreported=$(grep -L '^ *total:' "$logs"/*.log || true)
if [ "$total" -eq 0 ] || [ -n "$unreported" ] || [ $((passed + failed + skipped)) -ne "$total" ]; then
  echo "the test run did not report every project: ${unreported:-no tests counted}"
  echo "$passed passed, $((failed + 1)) failed, $skipped skipped"
  exit 1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
