#!/usr/bin/env bash
# The test command: installs what the tests need from the system's packages when it is missing, then runs every
# test project of the solution. Arguments go to `dotnet test` (e.g. scripts/test.sh --filter "FullyQualifiedName~Cli").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The browser tests (tests/EcdPde.Reports.Tests/BrowserTests.fs) need headless Chromium: Debian's package chromium.
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y chromium || { $sudo apt-get update && $sudo apt-get install -y chromium; }
fi

# The Slurm tests (tests/EcdPde.Cli.Tests/SlurmTests.fs) start a real single-node cluster with scripts/slurm-local.sh:
# Debian's slurm-wlm and munge. Without them (or root) those tests fail under CI=true and are skipped elsewhere.
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge; } ||
    echo "scripts/test.sh: slurm-wlm and munge could not be installed; the Slurm tests will say so" >&2
fi

dotnet test EcdPde.sln -c Release "$@"
