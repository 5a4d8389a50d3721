#!/usr/bin/env bash
# Builds the C++ example client from proto/ with Debian's protoc, grpc_cpp_plugin and
# libgrpc++ (packages: libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev g++ pkg-config).
# Prints the binary's path on stdout; everything else goes to stderr.
#
# Output is cached in ${TMPDIR:-/tmp}/openpit-cpp-UID (UID: yours, `id -u`), under a name keyed
# by a hash of proto/, the client source and this script: the compile takes tens of seconds, so
# repeated test runs reuse a binary whose inputs match. The key is the same for everyone on a
# revision, so the cache (binaries, build dirs, lock files) lives in a per-user directory, made
# with mode 700: one that is there already must be a real directory (not a symlink) owned by you
# and writable by nobody else, or the script refuses with one line and exit 1 and neither reads
# nor builds anything there (found by review: in shared /tmp another user could plant the binary
# this prints, and have it run as you). Nothing is written into the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
proto="$root/proto"

# Every file of the contract (admin.proto imports most of the others); the generated code of
# each must be compiled and linked. A glob, so a new contract file needs no edit here.
files=(grpc/health/v1/health.proto)
for f in "$proto"/openpit/sidecar/v1/*.proto; do files+=("openpit/sidecar/v1/$(basename "$f")"); done

# Before the cache is read or written: refuse a cache directory that is not ours alone.
uid="$(id -u)"
cache="${TMPDIR:-/tmp}/openpit-cpp-$uid"
mkdir -m 700 "$cache" 2>/dev/null || true
# -L first: -d and -O follow a symlink. Mode bits 022: group or world writable.
if [ -L "$cache" ] || [ ! -d "$cache" ] || [ ! -O "$cache" ] || (( 8#$(stat -c %a "$cache") & 8#022 )); then
  echo "not ok - examples/cpp/build.sh: $cache is not a private directory of uid $uid (a symlink, not a directory, another user's, or group/world writable); remove it, or set TMPDIR to a directory of your own" >&2
  exit 1
fi

key="$(cd "$root" && { find proto -type f -name '*.proto' | LC_ALL=C sort | xargs sha256sum;
  sha256sum examples/cpp/sidecar_client.cc examples/cpp/build.sh; } | sha256sum | cut -c1-16)"
out="$cache/$key"
bin="$out/sidecar_client"
# One build per key at a time: test files that run at once (each language's tests build it)
# wait for the first build and reuse it, instead of compiling twice side by side.
exec 9>"$out.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

# Build in a private dir and rename at the end, so two concurrent runs never see half a build.
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Debian's protoc by its path, as its plugin: another protoc first on PATH (a release zip's)
# may not match libprotobuf-dev's headers (found by review).
/usr/bin/protoc -I"$proto" --cpp_out="$work" --grpc_out="$work" \
  --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin "${files[@]}"

sources=("$here/sidecar_client.cc")
for f in "${files[@]}"; do
  sources+=("$work/${f%.proto}.pb.cc")
  # Files without a service get an empty .grpc.pb.cc; compiling it is harmless and cheap.
  sources+=("$work/${f%.proto}.grpc.pb.cc")
done

# One object per source, in parallel: a single g++ over all sources is serial and slower.
objs=()
pids=()
for src in "${sources[@]}"; do
  obj="$work/$(basename "${src%.cc}").o"
  objs+=("$obj")
  g++ -std=c++17 -O0 -I"$work" $(pkg-config --cflags grpc++ protobuf) -c "$src" -o "$obj" &
  pids+=($!)
  # Keep to the machine's cores so memory stays bounded.
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
g++ -o "$work/sidecar_client" "${objs[@]}" $(pkg-config --libs grpc++ protobuf)

mkdir -p "$work/final"
mv "$work/sidecar_client" "$work/final/"
# A concurrent run may have won the race; either binary is the same build.
mv -T "$work/final" "$out" 2>/dev/null || true
echo "$bin"
