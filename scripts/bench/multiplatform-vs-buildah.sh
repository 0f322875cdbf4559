#!/usr/bin/env bash
# ibuild and Buildah build the same two-platform Dockerfile (amd64 natively, arm64 under QEMU),
# each timed cold; then every platform's tree from each is compared (owners, modes, sizes, link
# targets, file contents; mtimes aside). Needs root, buildah, skopeo, umoci and scripts/deps.sh's
# emulation (QEMU handlers, /var/cache/ibuild-tests/arm64/bin/busybox).
#   scripts/bench/multiplatform-vs-buildah.sh [IBUILD] [RUNS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
ibuild=${1:-$repo/artifacts/bin/ibuild}
runs=${2:-3}
work=$(mktemp -d /var/tmp/ibuild-multi-XXXXXX)
trap 'buildah rmi -af >/dev/null 2>&1 || true; buildah manifest rm multi-bench >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
ctx=$work/ctx
mkdir -p "$ctx"
bash "$repo/scripts/make-busybox-rootfs.sh" "$ctx/rootfs-amd64.tar"
bash "$repo/scripts/make-busybox-rootfs.sh" "$ctx/rootfs-arm64.tar" /var/cache/ibuild-tests/arm64/bin/busybox
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
RUN uname -m > /arch && mkdir -p /opt/app && for i in 1 2 3 4 5 6 7 8; do seq 1 20000 > /opt/app/data$i; done && ls -lR /bin > /opt/app/listing
DOCKERFILE

seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=2; ($e-$s)/1000000000" | bc; }
for run in $(seq 1 "$runs"); do
  rm -rf "$work/store"
  buildah rmi -af >/dev/null 2>&1 || true
  buildah manifest rm multi-bench >/dev/null 2>&1 || true
  i=$(seconds "$ibuild" --root "$work/store" build --progress plain --platform linux/amd64,linux/arm64 -t multi-bench "$ctx")
  b=$(seconds buildah build --isolation chroot --layers --platform linux/amd64,linux/arm64 --manifest multi-bench "$ctx")
  echo "run $run: ibuild ${i} s, buildah ${b} s"
done

"$ibuild" --root "$work/store" save --format oci -o "$work/ibuild.tar" multi-bench
buildah manifest push --all -q multi-bench "oci-archive:$work/buildah.tar:multi-bench" >/dev/null
tree() { # archive arch dir
  skopeo copy -q --override-arch "$2" "oci-archive:$1" "oci:$3-layout:img" >/dev/null
  umoci unpack --image "$3-layout:img" "$3" >/dev/null
  # Buildah (chroot isolation) leaves the empty stubs it mounts /etc/hosts, /etc/hostname,
  # /etc/resolv.conf and /run on in the image; BuildKit and ibuild do not: left out here.
  (cd "$3/rootfs" && find . -printf '%p %M %U %G %s %l\n' | grep -Ev '^\./(etc/(hosts|hostname|resolv\.conf)|run) ' | sort > "$3.list"
   find . -type f -print0 | sort -z | xargs -0 sha256sum | grep -Ev ' \./etc/(hosts|hostname|resolv\.conf)$' > "$3.sums")
}
status=0
for arch in amd64 arm64; do
  tree "$work/ibuild.tar" $arch "$work/i-$arch"
  tree "$work/buildah.tar" $arch "$work/b-$arch"
  if diff -q "$work/i-$arch.list" "$work/b-$arch.list" >/dev/null && diff -q "$work/i-$arch.sums" "$work/b-$arch.sums" >/dev/null; then
    echo "$arch: same tree ($(wc -l < "$work/i-$arch.list") entries), /arch says $(cat "$work/i-$arch/rootfs/arch")"
  else
    echo "$arch: trees differ:"; diff "$work/i-$arch.list" "$work/b-$arch.list" | head -20; diff "$work/i-$arch.sums" "$work/b-$arch.sums" | head -20
    status=1
  fi
done
exit $status
