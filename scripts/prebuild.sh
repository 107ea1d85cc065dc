#!/usr/bin/env bash
# npm run prebuild: rebuilds the binaries shipped in prebuilds/ (README, "Installing"), then
# commit prebuilds/. For each target: the Node addon with prebuildify (Node-API, so one
# file serves every Node version; prebuildify names it redis-shm.glibc.node, node-gyp-build finds it) and
# the Redis module (redis-shm.glibc.so), both stripped. Targets: linux-x64 (this machine)
# and linux-arm64 (Debian's gcc-aarch64-linux-gnu/g++-aarch64-linux-gnu; skipped with a
# note when absent). Builds happen in a temp copy, so build/ and native/module keep the
# checkout's own source build. prebuilds/SOURCES records the sources they were built from;
# `scripts/prebuild.sh --check` fails when those have changed since (test/package runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sources() {
  ls binding.gyp native/addon/*.cc native/addon/*.h native/ring/shm_ring.h \
     native/module/*.c native/module/*.h native/module/Makefile | LC_ALL=C sort
}
stamp() { sources | xargs sha256sum; }

if [ "${1:-}" = "--check" ]; then
  if ! diff <(stamp) prebuilds/SOURCES >/dev/null 2>&1; then
    echo "prebuilds/ are stale: these native sources changed since they were built:" >&2
    diff <(stamp) prebuilds/SOURCES 2>&1 | sed -n 's/^[<>] [0-9a-f]*  //p' | LC_ALL=C sort -u | sed 's/^/  /' >&2
    echo "run \`npm run prebuild\` and commit prebuilds/" >&2
    exit 1
  fi
  exit 0
fi

# arch  C-compiler  C++-compiler  strip
targets=("x64 gcc g++ strip")
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v aarch64-linux-gnu-g++ >/dev/null; then
  targets+=("arm64 aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ aarch64-linux-gnu-strip")
else
  echo "prebuild: no aarch64-linux-gnu-gcc/g++ (apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu): linux-arm64 not rebuilt" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in "${targets[@]}"; do
  read -r arch cc cxx strip <<<"$t"
  echo "== prebuild linux-$arch ($cc)"
  work=$tmp/$arch
  mkdir -p "$work/native/ring"
  cp package.json binding.gyp "$work/"
  cp -r native/addon native/module "$work/native/"
  cp native/ring/shm_ring.h "$work/native/ring/"
  ln -s "$root/node_modules" "$work/node_modules"
  make -s -C "$work/native/module" clean >/dev/null
  make -s -C "$work/native/module" CC="$cc" redis-shm.so
  CC=$cc CXX=$cxx LINK=$cxx npx prebuildify --napi --strip --strip-bin "$strip" --tag-libc --arch "$arch" --cwd "$work" --quiet
  out=prebuilds/linux-$arch
  rm -rf "$out" && mkdir -p "$out"
  cp "$work/prebuilds/linux-$arch/"*.node "$out/"
  "$strip" --strip-all -o "$out/redis-shm.glibc.so" "$work/native/module/redis-shm.so"
  file "$out"/* | sed "s#^$root/##"
done
stamp > prebuilds/SOURCES
ls -l prebuilds/*/
