#!/usr/bin/env bash
# Runs every test project, checks the formatting, and prints one closing line: "N passed, N failed, N skipped".
# Tests that need root say so in their name and run when this script runs as root (CI does).
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

bash scripts/deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The engine's tests run over fakes of its seams and need no privilege: as root they run a
# second time as nobody (after the build, from the built assembly), so they prove it, and are
# left out of the root run so none is counted twice.
engine_tests="FullyQualifiedName~ImageBuilder.Build.Tests.Engine."
if [ "$(id -u)" -eq 0 ]; then
  dotnet test ImageBuilder.sln -c Release --filter "FullyQualifiedName!~ImageBuilder.Build.Tests.Engine." 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  bash scripts/test-unprivileged.sh "$engine_tests" 2>&1 | tee -a "$log"
  unprivileged=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] && status=$unprivileged
else
  dotnet test ImageBuilder.sln -c Release 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
fi

# The house conventions (.editorconfig): a file that departs from them fails the run.
if ! dotnet format ImageBuilder.sln --verify-no-changes -v q 2>&1 | tee -a "$log"; then
  echo "test.sh: dotnet format --verify-no-changes found files that depart from .editorconfig (run dotnet format)" >&2
  [ "$status" -eq 0 ] && status=1
fi

# dotnet test prints one summary per test assembly:
#   Passed!  - Failed:     0, Passed:    39, Skipped:     0, Total:    39, ...
summary=$(grep -E '(Passed|Failed)! +- Failed: ' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3; n++} END {printf "%d %d %d %d", p, f, s, n}')
read -r passed failed skipped assemblies <<<"$summary"
if [ "${assemblies:-0}" -eq 0 ]; then
  echo "test.sh: no test assembly ran" >&2
  [ "$status" -eq 0 ] && status=1
fi
echo
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
