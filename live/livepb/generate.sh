#!/bin/sh
# Regenerates live.pb.go and live_grpc.pb.go from live.proto. Needs protoc
# (Debian: protobuf-compiler) and the two Go plugins on PATH:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
set -e
cd "$(dirname "$0")"
protoc --go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative live.proto
