#!/usr/bin/env bash
# Makes the README's screenshots (docs/images/*.png): starts the AppHost with the simulated fleet (no Prometheus, no
# Grafana: the pages are the services' own), waits until the collector and the probe have data, shoots the fleet page
# and the probe's runs page with headless Chromium, and the Aspire dashboard's resources page through Chromium's
# DevTools protocol (a Blazor app that draws over a WebSocket once real time passes, which --screenshot does not wait
# for), then stops what it started.
#   scripts/screenshots.sh            (needs chromium and node: apt-get install chromium nodejs)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/images
mkdir -p "$out"
log=$(mktemp)
profile=$(mktemp -d)

# The AppHost over plain http, as its http launch profile runs it; the dashboard without a login token.
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true
dotnet build AppHost -nologo -v quiet >/dev/null
set -m   # the AppHost gets a process group of its own: $! is its id
dotnet run --no-build --project AppHost --launch-profile http -- --Monitoring:Mode=none >"$log" 2>&1 &
apphost=$!
set +m
browser=
stop() {
  [ -n "$browser" ] && { kill -- -"$browser" 2>/dev/null || true; }
  # Ctrl+C, as in a terminal: the AppHost stops its resources, which run in process groups of Aspire's orchestrator
  # (dcp, which watches the AppHost: --monitor PID), not in the AppHost's. Wait until the AppHost's group and the
  # orchestrator's have ended; SIGKILL what is left of them after a minute.
  local host pid groups=("$apphost")
  host=$(pgrep -g "$apphost" -f 'ComfyMonitor.AppHost' | head -1 || true)
  if [ -n "$host" ]; then
    for pid in $(pgrep -f -- "--monitor $host( |$)" || true); do
      for p in "$pid" $(pgrep -P "$pid" || true); do groups+=("$(ps -o pgid= -p "$p" | tr -d ' ')"); done
    done
  fi
  kill -INT -- -"$apphost" 2>/dev/null || true
  for _ in $(seq 1 60); do
    local alive=0
    for g in "${groups[@]}"; do kill -0 -- -"$g" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for g in "${groups[@]}"; do kill -KILL -- -"$g" 2>/dev/null || true; done
  rm -rf "$log" "$profile"
}
trap stop EXIT

wait_for() { # url, grep pattern, what
  for _ in $(seq 1 180); do
    if curl -fsS "$1" 2>/dev/null | grep -q "$2"; then return 0; fi
    kill -0 "$apphost" 2>/dev/null || break
    sleep 1
  done
  echo "gave up waiting for $3; the AppHost said:" >&2; tail -20 "$log" >&2; exit 1
}
wait_for http://localhost:9464/api/fleet '"up":true' "the collector's first readings"
wait_for http://localhost:9465/api/runs '"success":true' "the probe's first canary runs"
sleep 20 # a few more cycles and runs, so that the pages are full

shoot() { # file, url, width, height
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$3,$4" --screenshot="$out/$1" "$2" >/dev/null 2>&1
  echo "$out/$1: $(stat -c %s "$out/$1") bytes"
}
shoot fleet.png http://localhost:9464/ 1280 560
shoot probe.png http://localhost:9465/ 1280 640

# The dashboard: Chromium with a DevTools port, the page given 15 s of real time, then Page.captureScreenshot.
set -m
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" --window-size=1200,600 \
  --remote-debugging-port=9333 about:blank >/dev/null 2>&1 &
browser=$!
set +m
wait_for http://127.0.0.1:9333/json/version Browser "Chromium's DevTools port"
node --experimental-websocket --no-warnings --input-type=module - http://localhost:15080/ "$out/aspire-dashboard.png" <<'EOF'
import { writeFileSync } from 'node:fs';
const [url, file] = process.argv.slice(2);
const page = (await (await fetch('http://127.0.0.1:9333/json/list')).json()).find(t => t.type === 'page');
const ws = new WebSocket(page.webSocketDebuggerUrl);
let id = 0; const replies = new Map();
ws.onmessage = e => { const m = JSON.parse(e.data); replies.get(m.id)?.(m); replies.delete(m.id); };
const send = (method, params = {}) => new Promise(r => { replies.set(++id, r); ws.send(JSON.stringify({ id, method, params })); });
await new Promise(r => ws.onopen = r);
await send('Page.navigate', { url });
await new Promise(r => setTimeout(r, 15000));
// The banners about the development certificate and the unsecured endpoints say nothing about ComfyMonitor.
await send('Runtime.evaluate', { expression: "document.querySelectorAll('.dashboard-message-bar').forEach(b => b.remove())" });
await new Promise(r => setTimeout(r, 1000));
const shot = await send('Page.captureScreenshot', { format: 'png' });
writeFileSync(file, Buffer.from(shot.result.data, 'base64'));
ws.close();
EOF
echo "$out/aspire-dashboard.png: $(stat -c %s "$out/aspire-dashboard.png") bytes"
