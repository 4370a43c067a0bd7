#!/bin/bash -eu
# OSS-Fuzz build script (projects/wasmfuzz/build.sh in google/oss-fuzz): the
# project keeps the real one, shared with ClusterFuzzLite.
exec "$SRC/wasmfuzz/.clusterfuzzlite/build.sh"
