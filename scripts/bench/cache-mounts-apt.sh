#!/usr/bin/env bash
# Cache mounts that travel, measured on the apt pattern (issue 15): a Debian bookworm base (the
# bench's debootstrapped rootfs, ../shared/bench prepare), apt's cache and lists in cache mounts,
# exported with --cache-to type=local,dest=DIR,mounts=true from store A; a fresh store B imports
# it and rebuilds with --no-cache. Prints apt's "Need to get" line of both builds: B downloads
# no .deb ("Need to get 0 B/… of archives").
# Usage: scripts/bench/cache-mounts-apt.sh [IBUILD] [DEBIAN_ROOTFS_TAR]   (as root; needs Debian's mirror)
set -euo pipefail
ibuild=${1:-artifacts/bin/ibuild}
rootfs=${2:-/var/lib/ibuild-bench/debian-rootfs.tar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/ctx"
cat > "$work/ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm
RUN rm -f /etc/apt/apt.conf.d/docker-clean \
 && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends jq
DOCKERFILE
"$ibuild" --root "$work/a" import "$rootfs" -t debian:bookworm >/dev/null
"$ibuild" --root "$work/a" save -o "$work/base.tar" debian:bookworm
"$ibuild" --root "$work/b" load -i "$work/base.tar" >/dev/null
start=$(date +%s.%N)
"$ibuild" --root "$work/a" build --progress plain --cache-to "type=local,dest=$work/cache,mounts=true" "$work/ctx" > "$work/a.log" 2>&1
middle=$(date +%s.%N)
"$ibuild" --root "$work/b" build --progress plain --no-cache --cache-from "type=local,src=$work/cache" "$work/ctx" > "$work/b.log" 2>&1
end=$(date +%s.%N)
echo "store A (cold, exports):            $(grep -o 'Need to get.*' "$work/a.log")  $(echo "$middle - $start" | bc) s"
echo "store B (fresh, imports, --no-cache): $(grep -o 'Need to get.*' "$work/b.log")  $(echo "$end - $middle" | bc) s"
grep -o 'imported.*' "$work/b.log"
echo "cache directory: $(du -sh "$work/cache" | cut -f1)"
