#!/usr/bin/env bash
# Builds the C++ example client from proto/ with Debian's protoc, grpc_cpp_plugin and
# libgrpc++ (packages: libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev g++ pkg-config).
# Prints the binary's path on stdout; everything else goes to stderr.
#
# Output lives in a temp dir keyed by a hash of proto/, the client source and this script:
# the compile takes tens of seconds, so repeated test runs reuse a binary whose inputs match.
# Nothing is written into the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
proto="$root/proto"

# Every file of the contract (admin.proto imports most of the others); the generated code of
# each must be compiled and linked. A glob, so a new contract file needs no edit here.
files=(grpc/health/v1/health.proto)
for f in "$proto"/openpit/sidecar/v1/*.proto; do files+=("openpit/sidecar/v1/$(basename "$f")"); done

key="$(cd "$root" && { find proto -type f -name '*.proto' | LC_ALL=C sort | xargs sha256sum;
  sha256sum examples/cpp/sidecar_client.cc examples/cpp/build.sh; } | sha256sum | cut -c1-16)"
out="${TMPDIR:-/tmp}/openpit-cpp-$key"
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
work="$(mktemp -d "${TMPDIR:-/tmp}/openpit-cpp-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
protoc -I"$proto" --cpp_out="$work" --grpc_out="$work" \
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
