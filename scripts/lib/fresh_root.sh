# Sourced by scripts/fresh_check.sh and scripts/package_check.sh: a fresh minimal Debian 12
# root (debootstrap --variant=minbase plus git and ca-certificates, made once in
# $FRESH_BASE and copied for each run), with /proc, /sys and /dev mounted, removed again
# (with whatever still runs in it) when the calling script exits. Needs root.

# Makes the base root once; sets nothing. Exits 2 when debootstrap fails.
fresh_base() {
  base=${FRESH_BASE:-/tmp/coven-fresh-base}
  [ -x "$base/bin/bash" ] && return 0
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "making a minimal Debian 12 root in $base (once)"
  debootstrap --variant=minbase --include=ca-certificates,git bookworm "$base" "$mirror" \
    >/tmp/coven-fresh-debootstrap.log 2>&1 ||
    { echo "debootstrap failed (see /tmp/coven-fresh-debootstrap.log)" >&2; exit 2; }
}

# Copies the base into a new root and sets $root; cleaned up at exit (KEEP=1 keeps it).
fresh_root() {
  [ "$(id -u)" -eq 0 ] || { echo "needs root (chroot, mount)" >&2; exit 2; }
  fresh_base
  root=$(mktemp -d /tmp/coven-fresh.XXXX)
  trap fresh_cleanup EXIT
  cp -a "$base/." "$root/"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
  # The network's trust, not a package: where this machine reaches the registries through a
  # proxy with its own CA (local certificates in /usr/local/share/ca-certificates), a new
  # machine on the same network needs that CA too, or npm's TLS fails.
  if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
  fi
  # FRESH_CCACHE=1 seeds the root's compiler cache from this machine's: it saves compiling
  # and installs nothing, so the check still proves what setup.sh installs.
  if [ -n "${FRESH_CCACHE:-}" ] && [ -d "${CCACHE_DIR:-$HOME/.cache/ccache}" ]; then
    mkdir -p "$root/root/.cache/ccache"
    cp -a "${CCACHE_DIR:-$HOME/.cache/ccache}/." "$root/root/.cache/ccache/"
  fi
  local m
  for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
}

fresh_cleanup() {
  local p m
  # What ran inside the root (a daemon and its sessions) goes too.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null; done
  [ -n "${KEEP:-}" ] || rm -rf "$root"
}

# Runs one command line inside the root as a new user would (root, a bare environment),
# in directory $2 (default /root); prints its last lines and "### exit N after Ss".
fresh_run() {
  local cmd=$1 dir=${2:-/root} r
  echo "### $cmd"
  SECONDS=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=xterm \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd $dir && $cmd" 2>&1 | tail -"${FRESH_TAIL:-40}"
  r=${PIPESTATUS[0]}
  echo "### exit $r after ${SECONDS}s"
  return "$r"
}
