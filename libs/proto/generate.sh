#!/usr/bin/env bash
# Generates TypeScript from proto/ with ts-proto (a local plugin: no network) and writes the buf
# image that servers load for gRPC reflection. Output is git-ignored and never edited by hand.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/libs/proto/src/generated"
rm -rf "$out" && mkdir -p "$out"
cd "$root"
buf generate proto --template libs/proto/buf.gen.yaml --output "$out"
buf build proto -o "$out/descriptor-set.binpb"
