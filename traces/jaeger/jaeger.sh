#!/usr/bin/env bash
# Builds Jaeger once into a cache folder and runs it on 127.0.0.1.
#
#   traces/jaeger/jaeger.sh build   print the binary's path, building it if needed
#   traces/jaeger/jaeger.sh run     run Jaeger in the foreground (Ctrl-C stops it)
#
# Jaeger is pinned in this folder's go.mod (its own module: its dependencies
# clash with raftbench's). The binary serves Jaeger's API on
# http://127.0.0.1:16686/api but, built from source, only a placeholder UI;
# see README.md for the full UI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${RAFTBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/raftbench}"
version="$(cd "$here" && go list -m -f '{{.Version}}' github.com/jaegertracing/jaeger)"
bin="$cache/jaeger-$version"

build() {
	if [ ! -x "$bin" ]; then
		mkdir -p "$cache"
		echo "building Jaeger $version into $bin (once; a few minutes)" >&2
		(cd "$here" && go build -o "$bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
		mv "$bin.tmp" "$bin"
	fi
	echo "$bin"
}

case "${1:-run}" in
build) build ;;
run)
	build >/dev/null
	echo "Jaeger on http://${RAFTBENCH_JAEGER_QUERY:-127.0.0.1:16686} (API at /api), OTLP on ${RAFTBENCH_JAEGER_OTLP_GRPC:-127.0.0.1:4317} (gRPC) and ${RAFTBENCH_JAEGER_OTLP_HTTP:-127.0.0.1:4318} (HTTP)" >&2
	exec "$bin" --config "$here/config.yaml"
	;;
*)
	echo "usage: $0 build|run" >&2
	exit 2
	;;
esac
