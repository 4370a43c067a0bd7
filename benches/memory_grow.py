"""Memory growth: a Wasm loop growing a memory one page at a time to 1 GiB.

Why this exists: ``memory.grow`` must cost time proportional to the pages
added, not to the memory's size (a growth that copies the whole memory each
time is quadratic overall). wasmfuzz grows a memory with ``mremap`` (see
``runtime/membuf.py``); this shows the per-page cost staying flat from a few
MiB to 1 GiB, side by side with wasmtime-py in the same run, and with the
representation wasmfuzz used before (a ``bytearray`` grown by ``extend``) as
a plain-Python reference.

    python benches/memory_grow.py [--smoke] [--to-mib N] [--json OUT]

How: each engine instantiates one module whose exported ``grow(n)`` runs
``memory.grow 1`` n times in a Wasm loop and writes a byte into the last
page, so every page added is usable. After one untimed call (wasmfuzz
compiles on first call), it is called in batches of ``BATCH`` pages; the
time of a batch over its page count is the per-page cost at that size.
Reported: at each doubling of the size from 16 MiB, the median per-page
cost of the batches of the last 16 MiB (the machines are noisy), the total
time, and the ratio of the last figure to the first: about 1 for linear
growth, about the size ratio (64 at 1 GiB) for quadratic.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import wasmtime

BENCHES = Path(__file__).resolve().parent
PAGE = 65536
BATCH = 64  # pages per timed call: 4 MiB
WINDOW = 4  # batches per reported figure: 16 MiB
WAT = """(module
  (memory (export "memory") 1)
  (func (export "grow") (param $n i32) (result i32)
    (local $old i32)
    (loop $again
      (local.set $old (memory.grow (i32.const 1)))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store8 (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 1)) (i32.const 1))
    (local.get $old)))"""

Grow = Callable[[int], int]  # grow(n pages) -> the size in pages before the last page was added


def wasmtime_api_grower(api) -> Grow:
    """``grow`` on any module with wasmtime-py's API: wasmtime and wasmfuzz."""
    engine = api.Engine()
    store = api.Store(engine)
    grow = api.Instance(store, api.Module(engine, WAT), []).exports(store)["grow"]
    return lambda n: grow(store, n)


def wasmfuzz_grower() -> Grow:
    sys.path.insert(0, str(BENCHES.parent))  # the checkout this script lives in
    import wasmfuzz.runtime as api
    return wasmtime_api_grower(api)


def bytearray_grower() -> Grow:
    """The old representation, in plain Python: no Wasm, just the buffer."""
    buf = bytearray(PAGE)

    def grow(n: int) -> int:
        for _ in range(n):
            buf.extend(bytes(PAGE))
        buf[-1] = 1
        return len(buf) // PAGE - 1

    return grow


GROWERS = {"wasmfuzz": wasmfuzz_grower, "wasmtime": lambda: wasmtime_api_grower(wasmtime),
           "bytearray": bytearray_grower}


def measure(grow: Grow, pages: int) -> list[tuple[int, float]]:
    """(size in MiB after the batch, µs per page in the batch) for each batch."""
    out = []
    if grow(1) != 1:
        raise RuntimeError("the first growth did not start from one page")
    size = 2
    while size < pages:
        n = min(BATCH, pages - size)
        start = time.perf_counter()
        old = grow(n)
        elapsed = time.perf_counter() - start
        if old != size + n - 1:
            raise RuntimeError(f"grow returned {old}, expected {size + n - 1}")
        size += n
        out.append((size * PAGE >> 20, elapsed / n * 1e6))
    return out


def checkpoints(batches: list[tuple[int, float]]) -> dict[int, float]:
    """Per-page µs at each doubling of the size from 16 MiB: the median of
    the ``WINDOW`` batches ending there."""
    out = {}
    mib = 16
    for i, (size, _) in enumerate(batches):
        if size >= mib:
            out[mib] = statistics.median(cost for _, cost in batches[max(0, i + 1 - WINDOW):i + 1])
            mib *= 2
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to-mib", type=int, default=1024, help="final size (default 1024 MiB)")
    parser.add_argument("--smoke", action="store_true", help="grow to 64 MiB only: checks it runs")
    parser.add_argument("--engines", default=",".join(GROWERS), help=f"subset of {','.join(GROWERS)}")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write all figures to OUT")
    args = parser.parse_args()
    to_mib = 64 if args.smoke else args.to_mib
    pages = to_mib << 20 >> 16
    results = {}
    for name in args.engines.split(","):
        grow = GROWERS[name]()
        start = time.perf_counter()
        batches = measure(grow, pages)
        results[name] = {"total_s": time.perf_counter() - start, "batches": batches,
                         "checkpoints": checkpoints(batches)}
        del grow
    report(results, to_mib)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def report(results: dict, to_mib: int) -> None:
    names = list(results)
    print(f"growing one page at a time from 64 KiB to {to_mib} MiB; µs per page at each size"
          f" (median of the batches of the last {WINDOW * BATCH * PAGE >> 20} MiB)\n")
    print("size MiB  " + "".join(f"{n:>12}" for n in names)
          + ("   wasmfuzz/wasmtime" if {"wasmfuzz", "wasmtime"} <= set(names) else ""))
    sizes = sorted(set().union(*(r["checkpoints"] for r in results.values())))
    for mib in sizes:
        row = [results[n]["checkpoints"].get(mib) for n in names]
        line = f"{mib:>8}  " + "".join(f"{c:>12.2f}" if c is not None else f"{'-':>12}" for c in row)
        if {"wasmfuzz", "wasmtime"} <= set(names):
            line += f"   {results['wasmfuzz']['checkpoints'][mib] / results['wasmtime']['checkpoints'][mib]:>10.1f}x"
        print(line)
    print("\ntotal s   " + "".join(f"{results[n]['total_s']:>12.3f}" for n in names))
    print("last/first" + "".join(f"{_growth_ratio(results[n]['checkpoints']):>12.2f}" for n in names)
          + "   (about 1: linear; about the size ratio: quadratic)")


def _growth_ratio(points: dict[int, float]) -> float:
    sizes = sorted(points)
    return points[sizes[-1]] / points[sizes[0]]


if __name__ == "__main__":
    sys.exit(main())
