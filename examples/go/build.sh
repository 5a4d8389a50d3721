#!/usr/bin/env bash
# Generates Go stubs from proto/ and builds examples/go/main.go, all inside a temporary GOPATH.
#
# Usage: examples/go/build.sh OUT_BINARY
#
# Debian's toolchain only, no network: protoc + protoc-gen-go (1.28) + protoc-gen-go-grpc,
# built in GOPATH mode against the Debian packages under /usr/share/gocode
# (golang-google-grpc-dev 1.33, golang-google-protobuf-dev). GOPATH mode because those
# packages ship sources, not a module cache; GOPROXY=off so a missing package fails loudly
# instead of reaching for the network. protoc and both plugins by their Debian paths, not from
# PATH: another protoc or protoc-gen-go first on PATH (a release zip's, a `go install`ed one
# newer than the Debian runtime) generated stubs this build cannot use (found by review).
set -euo pipefail
out="$(realpath -m "${1:?usage: build.sh OUT_BINARY}")"
here="$(cd "$(dirname "$0")" && pwd)"
proto="$(cd "$here/../../proto" && pwd)"

gopath="$(mktemp -d "${TMPDIR:-/tmp}/openpit-go-XXXXXX")"
trap 'chmod -R u+w "$gopath" 2>/dev/null; rm -rf "$gopath"' EXIT

# go_package in the .proto files decides where the stubs land under $gopath/src.
mkdir -p "$gopath/src/openpit-go-client"
/usr/bin/protoc -I"$proto" --go_out="$gopath/src" --go-grpc_out="$gopath/src" \
  --plugin=protoc-gen-go=/usr/bin/protoc-gen-go --plugin=protoc-gen-go-grpc=/usr/bin/protoc-gen-go-grpc \
  "$proto"/openpit/sidecar/v1/*.proto
cp "$here/main.go" "$gopath/src/openpit-go-client/"

cd "$gopath/src/openpit-go-client"
# Go's own build cache (~/.cache/go-build, outside the repo) is kept: a cold build compiles
# grpc-go and protobuf-go (about 35-75 s on 2 cores), a warm one takes a few seconds.
# Without HOME (some CI sandboxes) Go has no default cache: fall back to the temporary GOPATH.
gocache="$(go env GOCACHE 2>/dev/null || true)"
[ -n "$gocache" ] && [ "$gocache" != off ] || gocache="$gopath/cache"
GOCACHE="$gocache" GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS= \
  go build -o "$out" .
