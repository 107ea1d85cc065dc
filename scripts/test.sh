#!/usr/bin/env bash
# npm test: everything. C ring tests first (fast, no server), then the vitest suites
# (unit + integration against real redis-servers the tests start themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "npm test: redis-server not found. Install Debian's \"redis-server\" package (>= 7.0): apt-get install redis-server" >&2
  exit 1
fi
ver=$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')
if [ -z "$ver" ] || [ "$ver" -lt 7 ]; then
  echo "npm test: redis-server >= 7.0 is required, found: $(redis-server --version)" >&2
  exit 1
fi
for f in build/Release/redis_shm.node native/module/redis-shm.so dist/src/index.js; do
  if [ ! -e "$f" ]; then echo "npm test: $f is missing; run npm install first" >&2; exit 1; fi
done

echo "== C ring tests"
make -s -C native/ring test
echo "== C module unit tests"
make -s -C native/module test
# Worker threads (spinner, sync socket helper) run compiled code from dist/: keep it current.
echo "== tsc"
npx tsc -p tsconfig.json
# the tests too (vitest strips types without checking them)
npx tsc -p tsconfig.test.json
echo "== vitest"
npx vitest run "$@"
