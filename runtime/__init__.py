"""The wasmfuzz runtime (work in progress)."""
