#!/usr/bin/env bash
# Regenerates caps.tar: a tar whose entries carry file capabilities (security.capability, a
# binary value set by setcap) as PAX SCHILY.xattr.* records, written by GNU tar from real files.
# Only security.capability: BuildKit's layer writer (containerd's tar writer) records no other
# extended attribute, so a user.* one would never reach BuildKit's image. Needs root, setcap
# (libcap2-bin) and a file system with xattrs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/sbin"
printf '#!/bin/sh\necho pong\n' > "$work/bin/ping"
printf '#!/bin/sh\necho listening\n' > "$work/sbin/listen"
printf 'no capabilities\n' > "$work/bin/plain"
chmod 0755 "$work/bin/ping" "$work/sbin/listen" "$work/bin/plain"
setcap cap_net_raw+ep "$work/bin/ping"
setcap cap_net_bind_service,cap_setuid,cap_setgid+eip "$work/sbin/listen"
tar --xattrs --xattrs-include='*' --format=pax --pax-option=delete=atime,delete=ctime \
    --numeric-owner --owner=0 --group=0 --mtime=@1700000000 --sort=name \
    -C "$work" -cf "$here/caps.tar" bin sbin
