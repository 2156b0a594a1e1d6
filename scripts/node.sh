#!/usr/bin/env bash
# Runs a command with a given Node.js line, installed from the npm registry into .node/.
#
#   scripts/node.sh 24 npm ci
#   scripts/node.sh 24 npm test
#   scripts/node.sh 26 node dist/cli.js --version
#   scripts/node.sh 24 --print      # prints the install folder and nothing else
#
# The npm registry ships Node itself: the package node-<os>-<arch> holds the binary (bin/node)
# and the headers (include/node). This script unpacks the pinned version of the line into
# .node/<version>/ (ignored by git) once, puts its bin/ first on PATH, and points node-gyp at
# its headers (npm_config_nodedir), so that a native build targets the Node that runs it and
# not the machine's own (whose npm config may point nodedir elsewhere). npm itself is the
# machine's: it runs under the Node on PATH.
set -euo pipefail

# The pinned release of each supported line. 24 is the line to develop, test and measure on;
# .nvmrc names the same release.
declare -A PINNED=([22]=22.23.5 [24]=24.22.3 [26]=26.12.1)

usage() {
  echo "usage: scripts/node.sh <${!PINNED[*]}> <command> [args...] | --print" >&2
  exit 2
}

[ $# -ge 2 ] || usage
line=$1
shift
version=${PINNED[$line]:-}
[ -n "$version" ] || { echo "scripts/node.sh: Node $line is not a supported line (${!PINNED[*]})" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/.node/$version"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "scripts/node.sh: no Node package for $(uname -s)" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "scripts/node.sh: no Node package for $(uname -m)" >&2; exit 2 ;;
esac

if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$root/.node"
  # One install at a time, even when several commands start at once.
  exec 9>"$root/.node/.lock"
  flock 9
  if [ ! -x "$dir/bin/node" ]; then
    tmp=$(mktemp -d "$root/.node/.tmp.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    echo "scripts/node.sh: installing Node $version (node-$os-$arch from the npm registry)" >&2
    (cd "$tmp" && npm pack --silent "node-$os-$arch@$version" >/dev/null)
    mkdir -p "$tmp/unpacked"
    tar -xzf "$tmp"/node-"$os"-"$arch"-*.tgz -C "$tmp/unpacked" --strip-components=1
    "$tmp/unpacked/bin/node" -e 'process.exit(process.version === `v${process.argv[1]}` ? 0 : 1)' "$version" || {
      echo "scripts/node.sh: the unpacked Node does not report v$version" >&2
      exit 1
    }
    rm -rf "$dir"
    mv "$tmp/unpacked" "$dir"
    rm -rf "$tmp"
    trap - EXIT
  fi
  exec 9>&-
fi

if [ "$1" = "--print" ]; then
  echo "$dir"
  exit 0
fi

export PATH="$dir/bin:$PATH"
export npm_config_nodedir="$dir"
exec "$@"
