#!/usr/bin/env bash
# Regenerates caps.tar: a tar whose entries carry extended attributes as PAX SCHILY.xattr.*
# records, written by GNU tar from real files. bin/ping carries a file capability
# (security.capability, a binary value, set by setcap), notes/readme a user.* attribute and
# the directory notes/ one too. Needs root, setcap (libcap2-bin), python3 (to set user.*
# attributes: setfattr is not installed everywhere) and a file system with xattrs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/notes"
printf '#!/bin/sh\necho pong\n' > "$work/bin/ping"
chmod 0755 "$work/bin/ping"
setcap cap_net_raw,cap_net_bind_service+ep "$work/bin/ping"
printf 'attributes travel with the archive\n' > "$work/notes/readme"
python3 -c '
import os, sys
os.setxattr(sys.argv[1] + "/notes/readme", "user.origin", b"reference-case")
os.setxattr(sys.argv[1] + "/notes", "user.kind", b"directory")
' "$work"
tar --xattrs --xattrs-include='*' --format=pax --pax-option=delete=atime,delete=ctime \
    --numeric-owner --owner=0 --group=0 --mtime=@1700000000 --sort=name \
    -C "$work" -cf "$here/caps.tar" bin notes
