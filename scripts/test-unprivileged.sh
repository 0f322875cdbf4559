#!/usr/bin/env bash
# Runs the already built ImageBuilder.Build.Tests assembly as the user nobody, with the test
# filter $1: tests that must pass without root (the engine's). Called by test.sh as root.
set -uo pipefail
cd "$(dirname "$0")/.."
filter=${1:?usage: test-unprivileged.sh FILTER}
dll=$(pwd)/tests/ImageBuilder.Build.Tests/bin/Release/net10.0/ImageBuilder.Build.Tests.dll
if [ ! -f "$dll" ]; then
  echo "test-unprivileged.sh: $dll is missing; build the tests first" >&2
  exit 1
fi

# nobody needs a home of its own for dotnet, and read access to the checkout and the build.
home=$(mktemp -d /tmp/ibuild-nobody.XXXXXX)
trap 'rm -rf "$home"' EXIT
chown nobody "$home"
if ! runuser -u nobody -- test -r "$dll"; then
  echo "test-unprivileged.sh: nobody cannot read $dll (a checkout under a private directory?)" >&2
  exit 1
fi

log="$home/log"
runuser -u nobody -- env HOME="$home" DOTNET_CLI_HOME="$home" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1 PATH="$PATH" \
  dotnet test "$dll" --filter "$filter" --results-directory "$home/results" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# A filter that matches nothing exits 0: the engine's tests would vanish without a failure.
total=$(grep -E '(Passed|Failed)! +- Failed: ' "$log" | sed -E 's/.*Total: +([0-9]+).*/\1/' | head -n 1)
if [ "${total:-0}" -lt "${MIN_TESTS:-40}" ]; then
  echo "test-unprivileged.sh: only ${total:-0} tests matched $filter (at least ${MIN_TESTS:-40} expected)" >&2
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
