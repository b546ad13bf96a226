#!/usr/bin/env bash
# Rebuild the committed browser bundles in web/static/vendor/ from the pinned npm packages.
# Needs node 20+ and npm with access to the npm registry; the app itself needs no Node.
# esbuild's install script is skipped: its binary comes from its platform package.
set -euo pipefail
cd "$(dirname "$0")/../web/frontend"
npm ci --ignore-scripts --no-audit --no-fund
node build.mjs
