#!/usr/bin/env bash
# Builds ibuild into artifacts/bin, then builds the example images with it into the store
# .ibuild/, runs the hello example, and saves it as a docker archive. As root or as an
# ordinary user (ibuild then runs rootless, in a user namespace of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

bash scripts/deps.sh
dotnet publish src/ImageBuilder.Cli -c Release -o artifacts/bin --nologo -v quiet
# The examples start FROM scratch + ADD rootfs.tar: a busybox root filesystem made here. The
# multi-platform one (its platforms file lists them) takes one per architecture: rootfs-amd64.tar
# from the machine's busybox, rootfs-arm64.tar from Debian's busybox-static:arm64 (deps.sh).
arm64_busybox=/var/cache/ibuild-tests/arm64/bin/busybox
for example in examples/*/; do
  if [ -f "$example/platforms" ]; then
    [ -f "$example/rootfs-amd64.tar" ] || bash scripts/make-busybox-rootfs.sh "$example/rootfs-amd64.tar"
    [ -f "$example/rootfs-arm64.tar" ] || [ ! -x "$arm64_busybox" ] || bash scripts/make-busybox-rootfs.sh "$example/rootfs-arm64.tar" "$arm64_busybox"
  else
    [ -f "$example/rootfs.tar" ] || bash scripts/make-busybox-rootfs.sh "$example/rootfs.tar"
  fi
done
for example in examples/*/; do
  name=$(basename "$example")
  if [ -f "$example/platforms" ]; then
    if [ ! -f "$example/rootfs-arm64.tar" ]; then
      echo "setup.sh: skipping $name: no arm64 busybox (run scripts/deps.sh as root)" >&2
      continue
    fi
    artifacts/bin/ibuild --root .ibuild build --progress plain --platform "$(cat "$example/platforms")" -t "$name" "$example"
  else
    artifacts/bin/ibuild --root .ibuild build --progress plain -t "$name" "$example"
  fi
done
artifacts/bin/ibuild --root .ibuild run hello
artifacts/bin/ibuild --root .ibuild images
artifacts/bin/ibuild --root .ibuild save -o artifacts/hello.tar hello
echo "saved artifacts/hello.tar (docker load -i / podman load -i read it)"
