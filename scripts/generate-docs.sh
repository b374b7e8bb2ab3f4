#!/usr/bin/env bash
# Rewrites the generated parts of docs/configuration.md, docs/metrics.md and docs/alerts.md from the code: the options
# classes and their doc comments, the metric catalogue and the instruments, the alert rules and the runbooks. Run it
# after changing any of them; tests/ComfyMonitor.Docs.Tests fails while a document differs from the code.
#   scripts/generate-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/ComfyMonitor.Docs.Tests -nologo -v quiet -warnaserror
UPDATE_DOCS=1 dotnet test --project tests/ComfyMonitor.Docs.Tests --no-build -- --filter-method '*ReferenceIsWhat*'
git status --short docs/
