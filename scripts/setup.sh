#!/usr/bin/env bash
# Builds ibuild into artifacts/bin and runs it on the examples: checks every example
# Dockerfile, imports the busybox root filesystem they start from as an image in the
# store .ibuild/ (needs root: layers keep their owners), and saves it as a docker archive.
# Until the build engine lands, that is what "building an example" means.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

bash scripts/deps.sh
dotnet publish src/ImageBuilder.Cli -c Release -o artifacts/bin --nologo -v quiet
# The examples start FROM scratch + ADD rootfs.tar: a busybox root filesystem made here.
for example in examples/*/; do
  [ -f "$example/rootfs.tar" ] || bash scripts/make-busybox-rootfs.sh "$example/rootfs.tar"
done
for example in examples/*/; do
  artifacts/bin/ibuild check "$example"
done
if [ "$(id -u)" -eq 0 ]; then
  artifacts/bin/ibuild --root .ibuild import examples/hello/rootfs.tar -t busybox:local
  artifacts/bin/ibuild --root .ibuild images
  artifacts/bin/ibuild --root .ibuild save -o artifacts/busybox.tar busybox:local
  echo "saved artifacts/busybox.tar (docker load -i / podman load -i read it)"
fi
