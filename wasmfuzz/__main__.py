"""``python -m wasmfuzz``: the same command as the ``wasmfuzz`` script."""

from wasmfuzz.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
