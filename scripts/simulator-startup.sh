#!/usr/bin/env bash
# Measures how long the simulator takes to serve N instances in one process, and its memory then.
# Usage: scripts/simulator-startup.sh [N=2000] [BASE_PORT=30000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
base=${2:-25000}
control=$((base - 1))
last=$((base + n - 1))
dotnet build -c Release src/ComfyMonitor.Simulator -nologo -v quiet >/dev/null
start=$(date +%s.%N)
dotnet src/ComfyMonitor.Simulator/bin/Release/net10.0/ComfyMonitor.Simulator.dll \
  --instances "$n" --base-port "$base" --control-port "$control" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$last/prompt"; do
  kill -0 $pid 2>/dev/null || { echo "the simulator exited"; exit 1; }
  sleep 0.1
done
ready=$(echo "$(date +%s.%N) - $start" | bc)
ok=0
for ((p = base; p <= last; p += (n / 20 > 0 ? n / 20 : 1))); do
  curl -fs -o /dev/null "http://127.0.0.1:$p/system_stats" && ok=$((ok + 1))
done
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
printf 'instances=%d ready_seconds=%.2f rss_mib=%d sampled_ports_ok=%d\n' "$n" "$ready" $((rss_kb / 1024)) "$ok"
printf 'targets: ready < 30 s: %s; RSS < 2048 MiB: %s\n' \
  "$(echo "$ready < 30" | bc | sed 's/1/pass/;s/0/FAIL/')" "$([ $((rss_kb / 1024)) -lt 2048 ] && echo pass || echo FAIL)"
