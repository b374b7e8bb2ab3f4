#!/usr/bin/env bash
# Makes the README's screenshots (docs/images/*.png): starts the AppHost with the simulated fleet (no Prometheus, no
# Grafana: the pages are the services' own), waits until the collector and the probe have data, shoots the fleet page,
# and the probe's runs page with headless Chromium, and stops what it started. (The Aspire dashboard, a Blazor app, draws
# nothing in a headless screenshot here.)
#   scripts/screenshots.sh            (needs chromium: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/images
mkdir -p "$out"
log=$(mktemp)
profile=$(mktemp -d)

# The AppHost over plain http, as its http launch profile runs it.
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true
setsid dotnet run --project AppHost --launch-profile http -- --Monitoring:Mode=none >"$log" 2>&1 &
apphost=$!
trap 'kill -- -"$apphost" 2>/dev/null || true; wait "$apphost" 2>/dev/null || true; rm -rf "$log" "$profile"' EXIT

wait_for() { # url, grep pattern, what
  for _ in $(seq 1 180); do
    if curl -fsS "$1" 2>/dev/null | grep -q "$2"; then return 0; fi
    sleep 1
  done
  echo "gave up waiting for $3; the AppHost said:" >&2; tail -20 "$log" >&2; exit 1
}
wait_for http://localhost:9464/api/fleet '"up":true' "the collector's first readings"
wait_for http://localhost:9465/api/runs '"success":true' "the probe's first canary runs"
sleep 20 # a few more cycles and runs, so that the pages are full

shoot() { # file, url, width, height (the dashboard is a Blazor app: it gets 20 s of real time to connect and draw)
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" --timeout=20000 \
    --window-size="$3,$4" --screenshot="$out/$1" "$2" >/dev/null 2>&1
  echo "$out/$1: $(stat -c %s "$out/$1") bytes"
}
shoot fleet.png http://localhost:9464/ 1280 560
shoot probe.png http://localhost:9465/ 1280 640
