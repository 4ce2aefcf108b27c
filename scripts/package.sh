#!/usr/bin/env bash
# Builds the portable release binary and packages it (docs/packaging.md), into
# build/packages/:
#   coven_<version>_amd64.deb            coven and coven-demo in /usr/bin, the man page, shell
#                                        completions, the systemd user unit
#   coven-cpp-linux-x64-<version>.tgz    npm platform package: the native binaries
#   coven-cpp-<version>.tgz              npm wrapper: `coven` finds the platform package and
#                                        runs it (same arguments, exit code and signals)
# Usage: scripts/package.sh   (installs what it needs with scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
build=build/release
out=build/packages
rm -rf "$out"
mkdir -p "$out"
version=$("$build/coven" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)

# The install tree, as `cmake --install` lays it out under /usr.
stage="$out/stage/coven_${version}_${arch}"
DESTDIR="$PWD/$stage" cmake --install "$build" --prefix /usr >/dev/null
if "$build/coven" completion bash >/dev/null 2>&1; then
  install -d "$stage/usr/share/bash-completion/completions" \
    "$stage/usr/share/zsh/vendor-completions" "$stage/usr/share/fish/vendor_completions.d"
  "$build/coven" completion bash >"$stage/usr/share/bash-completion/completions/coven"
  "$build/coven" completion zsh >"$stage/usr/share/zsh/vendor-completions/_coven"
  "$build/coven" completion fish >"$stage/usr/share/fish/vendor_completions.d/coven.fish"
fi
[ -f "$stage/usr/share/man/man1/coven.1" ] && gzip -9n "$stage/usr/share/man/man1/coven.1"
# Debug symbols stay in the build tree; the packaged binaries are stripped (about 9 -> 5 MB).
strip --strip-unneeded "$stage/usr/bin/coven"

# Depends: what the binary really links, as Debian's own tool computes it.
mkdir -p "$out/stage/debian"
printf 'Source: coven\n\nPackage: coven\nArchitecture: any\n' >"$out/stage/debian/control"
depends=$(cd "$out/stage" && dpkg-shlibdeps -O "coven_${version}_${arch}/usr/bin/coven" |
  sed -n 's/^shlibs:Depends=//p')
rm -rf "$out/stage/debian"
install -d "$stage/DEBIAN"
size=$(du -sk "$stage/usr" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: coven
Version: ${version}
Architecture: ${arch}
Maintainer: Coven developers <coven@localhost>
Installed-Size: ${size}
Depends: ${depends}
Recommends: man-db
Suggests: tmux
Section: devel
Priority: optional
Description: run AI coding agents as persistent, project-scoped terminal sessions
 Coven runs coding agents (Codex, Claude Code, Gemini, Aider, ...) in real terminals
 owned by a per-session supervisor, so sessions outlive the terminal and the daemon;
 every byte is kept in an append-only log. One daemon per user serves a local HTTP API
 on a private Unix socket. Enable it at login with:
   systemctl --user enable --now coven
CONTROL
# No maintainer scripts: installing changes nothing but files (no service is started or
# enabled for anyone; each user opts in with systemctl --user).
dpkg-deb --root-owner-group --build "$stage" "$out/coven_${version}_${arch}.deb" >/dev/null

# npm: the platform package (binaries) and the wrapper, filled from the templates.
for pkg in coven-cpp-linux-x64 coven-cpp; do
  dir="$out/npm/$pkg"
  mkdir -p "$dir"
  cp -r "packaging/npm/$pkg/." "$dir/"
  sed -i "s/@VERSION@/${version}/g" "$dir/package.json"
done
install -d "$out/npm/coven-cpp-linux-x64/bin"
install -m 0755 "$stage/usr/bin/coven" "$out/npm/coven-cpp-linux-x64/bin/coven"
install -m 0755 scripts/coven-demo "$out/npm/coven-cpp-linux-x64/bin/coven-demo"
for pkg in coven-cpp-linux-x64 coven-cpp; do
  (cd "$out" && npm pack --silent "./npm/$pkg" >/dev/null)
done
rm -rf "$out/stage"
ls -l "$out"
