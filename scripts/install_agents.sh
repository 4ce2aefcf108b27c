#!/usr/bin/env bash
# Installs the pinned real agent CLIs that the e2e tests launch (tests/e2e/real_agents_test.cc)
# into the project-local, git-ignored prefix .cache/agents (binaries in .cache/agents/bin),
# from the npm registry with the machine's npm (scripts/setup.sh installs Debian's nodejs and
# npm). Idempotent: a CLI already at its pinned version is not installed again.
# Usage: scripts/install_agents.sh [prefix]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-$PWD/.cache/agents}"

# package@version -> the executable it installs. Bump here and in the tests' expectations.
agents=(
  "@openai/codex@0.171.0 codex"
  "@anthropic-ai/claude-code@2.1.332 claude"
)

command -v npm >/dev/null || { echo "install_agents: npm is missing (run scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$prefix"
for entry in "${agents[@]}"; do
  spec="${entry% *}"
  exe="${entry#* }"
  name="${spec%@*}"
  version="${spec##*@}"
  manifest="$prefix/lib/node_modules/$name/package.json"
  if [ -x "$prefix/bin/$exe" ] && [ -f "$manifest" ] &&
    grep -q "\"version\": *\"$version\"" "$manifest"; then
    echo "install_agents: $spec present"
    continue
  fi
  echo "install_agents: installing $spec into $prefix"
  if ! npm install --global --prefix "$prefix" --no-fund --no-audit --loglevel=error "$spec"; then
    # Node trusts its own CA list, not the system's: behind a proxy that re-signs TLS
    # (SELF_SIGNED_CERT_IN_CHAIN above) it needs the proxy's CA.
    echo "install_agents: npm could not install $spec from the registry. Behind a proxy that" \
      "re-signs TLS, point Node at a bundle holding its CA, e.g." \
      "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt scripts/test.sh" >&2
    exit 1
  fi
done
