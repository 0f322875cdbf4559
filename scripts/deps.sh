#!/usr/bin/env bash
# Installs the Debian packages ibuild's examples and tests use, when they are missing:
#   busybox-static  the base of the example images (scripts/make-busybox-rootfs.sh)
#   skopeo umoci podman  the real tools the integration tests feed ibuild's images to
#   xz-utils  compresses the .tar.xz archives the ADD tests unpack, and decompresses the xz filters SharpCompress lacks
#   gcc (with libc6-dev)  links the NativeAOT sandbox init (ibuild-init) when ibuild is built,
#                         and builds the static chroot-escape probe the sandbox tests run
#   docker.io  dockerd + docker, the BuildKit reference the testdata/reference suite compares with
#              (the suite starts and stops a dockerd of its own; none is enabled or started here)
#   docker-registry  the CNCF distribution registry the registry client's tests start on 127.0.0.1
#   apache2-utils  htpasswd, which makes the bcrypt line for the Basic-auth test registry
#   libseccomp2  libseccomp.so.2, which compiles the seccomp profile every RUN step runs under
#   uidmap  newuidmap and newgidmap, which map a rootless user's subordinate ids (/etc/subuid) into its user namespace
#   slirp4netns  the user-mode network stack of a build's private network (--network default)
#   iproute2  ip, which joins the network tests' own namespaces to the host's (veth pairs)
#   git  ADD of a git repository runs it (ls-remote, fetch, checkout), as BuildKit does; its tests
#        serve repositories on 127.0.0.1 with git daemon and git http-backend
#   openssh-client  ssh-agent and ssh-add: --ssh ID=KEYFILE loads keys into an agent of the build's;
#                   its tests make keys with ssh-keygen and run the user's agent
#   qemu-user-static binfmt-support  QEMU user emulation registered with binfmt_misc (F flag):
#              RUN steps of another architecture (build --platform linux/arm64); the multi-platform
#              tests also take Debian's busybox-static:arm64 (into /var/cache/ibuild-tests/arm64)
#   graphviz  dot, which draws ibuild graph --format svg (and checks the DOT output in the graph tests)
# Needs root (apt-get); as another user it only reports what is missing.
set -euo pipefail
packages=(busybox-static skopeo umoci podman gcc xz-utils docker.io docker-registry apache2-utils libseccomp2 uidmap slirp4netns iproute2 git openssh-client qemu-user-static binfmt-support graphviz)
commands=(busybox skopeo umoci podman gcc xz /usr/sbin/dockerd /usr/bin/docker-registry htpasswd lib:libseccomp.so.2 newuidmap slirp4netns ip git ssh-agent qemu-aarch64-static update-binfmts dot)
missing=()
for i in "${!packages[@]}"; do
  case "${commands[$i]}" in
    lib:*) /sbin/ldconfig -p 2>/dev/null | grep -q "${commands[$i]#lib:} " || missing+=("${packages[$i]}") ;;
    *) command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}") ;;
  esac
done
# A rootless ibuild's slirp4netns opens /dev/net/tun as the user: udev makes it 0666, a container's /dev may not.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun
fi

# Another architecture's programs run through binfmt_misc: mounted, and Debian's QEMU handlers
# registered (each with the F flag), every time (a fresh container has neither); an arm64
# busybox for the multi-platform tests' base images. Idempotent.
emulation() {
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || return 0
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  local cache=/var/cache/ibuild-tests/arm64
  [ -x "$cache/bin/busybox" ] && return 0
  # arm64 is added to dpkg's architectures for the download only (a mirror without arm64
  # would fail every later apt-get update otherwise), then taken away again.
  local added=""
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64 && added=yes
  fi
  apt-get update -qq >/dev/null 2>&1 || true
  local download
  download=$(mktemp -d)
  chmod 0755 "$download"
  if (cd "$download" && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1); then
    mkdir -p "$cache"
    dpkg-deb -x "$download"/busybox-static_*_arm64.deb "$cache"
  else
    echo "deps.sh: could not download busybox-static:arm64 (the multi-platform tests need it)" >&2
  fi
  rm -rf "$download"
  if [ -n "$added" ]; then
    dpkg --remove-architecture arm64 || true
    apt-get update -qq >/dev/null 2>&1 || true
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing ${missing[*]}; run as root (or apt-get install ${missing[*]})" >&2
    exit 0
  fi
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" $([[ " ${missing[*]} " == *" gcc "* ]] && echo libc6-dev) >/dev/null
fi
[ "$(id -u)" -eq 0 ] && emulation
exit 0
