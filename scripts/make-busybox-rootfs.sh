#!/usr/bin/env bash
# Writes a tiny root filesystem tarball built from Debian's busybox-static:
# /bin/busybox with a symlink per applet, /etc/passwd and /etc/group, /tmp, /root.
# The tarball is reproducible: sorted names, numeric owner 0, every mtime 0.
# BUSYBOX (default /bin/busybox) may be another architecture's static busybox of the same Debian
# release (busybox-static:arm64): the applets are listed by the host's, which has the same ones.
#   scripts/make-busybox-rootfs.sh OUT.tar [BUSYBOX]
set -euo pipefail
out=${1:?usage: make-busybox-rootfs.sh OUT.tar [BUSYBOX]}
busybox=${2:-/bin/busybox}
linkage=$(ldd /bin/busybox 2>&1 || true)
if [ ! -x /bin/busybox ] || [[ "$linkage" != *"not a dynamic"* ]] || [ ! -x "$busybox" ]; then
  echo "make-busybox-rootfs.sh: needs Debian's busybox-static at /bin/busybox, and $busybox (bash scripts/deps.sh)" >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var,proc,sys,dev}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=pax \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$out" .
