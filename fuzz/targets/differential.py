"""differential: the main job. Any wasm-smith module, or any other target's
program, on wasmfuzz and on real Wasmtime.

The broadest target. Like Wasmtime's own differential target, which picks
among its module generators (wasm-smith, single-instruction modules, table
ops), each input first draws which generator makes its module
(``GENERATORS``): a smith module a third of the time, otherwise the case one
of the targets made for a kind of bug would make (single instructions at
their edge values, table and memory programs at their bounds, fuel and
epoch programs, lazy tables, mutated C programs, WASI calls). Those
generators reach what a random smith module almost never does (INT_MIN %
-1, a ``br_table`` index equal to its count, a segment ending one past its
table, a pooled slot reused), so the one command a user runs first finds
the classic engine bugs too (issue 18: ``benches/find_bugs.py``).

A smith module is made under the differential restrictions, the runtime configuration is drawn from the input, and
wasmfuzz is compared against Wasmtime and lazy tables against eager ones
on every input; each other configuration pair (fuel, epochs, pooling) is
drawn for a share of the inputs (swarm over pairs), so an input costs
three or four executions rather than eight. The fuel, epoch and pooling
pairs have targets of their own that always run them.

Three things bring the classic engine bugs within the main job's reach
(issue 18): a share of modules have their constants moved to edge values
(``const_edges``: INT_MIN and -1, shift counts at the width, NaN payloads),
a share keep NaN payloads (no smith canonicalisation, so propagation is
observed, under ``allowed.both_nan``'s rule), and modules import functions,
always when epochs are on: each import call moves the epoch, so deadlines
are crossed in the middle of a run.
"""

import random

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, PAIRS, WASMTIME, swarm

from .. import const_edges, smith, toggles
from ..case import TestCase
from ..source import Source, boolean, choice

ALWAYS = (WASMTIME, LAZY_VS_EAGER)
# One other pair on every other input (the fuel, epoch and pooling targets run theirs always): a
# smith case makes three or four executions, not eight, and a mutate case (which takes this share
# too) 3.9 where a share of 0.2 made 4.4.
OTHERS_SHARE = 0.1
CONST_EDGES_PERCENT = 40  # modules whose constants move to edge values
CONST_SHARES = (0.1, 0.3, 1.0)  # the share of a module's constants moved: a few, many, all
NAN_PAYLOADS_PERCENT = 20  # modules made without smith's NaN canonicalisation
IMPORTS_PERCENT = 25  # modules with imports when epochs are off


# Who makes an input's module, in percent of inputs. Smith comes first: an
# empty or exhausted input (every draw at its smallest) stays a smith module.
# The other shares follow how many inputs each target needs to find its
# bugs (benches/find_bugs.py): single instructions (a dozen groups, SIMD
# and the 3.0 proposals among them) and table programs most.
GENERATORS = (("smith", 36), ("instructions", 30), ("table_ops", 14), ("memory", 6), ("fuel", 4), ("epoch", 3),
              ("lazy_init", 2), ("wasi", 3), ("mutate", 2))


def generate(src: Source) -> TestCase:
    roll = src.int_in(0, 99)
    for name, percent in GENERATORS:
        if roll < percent:
            break
        roll -= percent
    if name == "smith":
        return smith_case(src)
    from . import load  # the other targets import this one's pairs: loaded when first drawn
    return load(name).generate(src)


def smith_case(src: Source) -> TestCase:
    """A wasm-smith module under the differential restrictions, its constants
    moved to edge values and its NaN payloads kept for a share of inputs."""
    spec = toggles.draw_spec(src)
    invocations = src.int_in(1, 5)
    args = src.bytes(64)
    edges = boolean(src, CONST_EDGES_PERCENT)
    share = choice(src, CONST_SHARES)
    seed = src.bytes(8)
    canonical = not boolean(src, NAN_PAYLOADS_PERCENT)
    imports = spec.epoch_deadline is not None or boolean(src, IMPORTS_PERCENT)
    wasm = smith.module(src, spec, imports=imports, canonical_nans=canonical)
    if edges:
        wasm = const_edges.rewrite(wasm, random.Random(seed), share)
    others = [p for p in PAIRS.values() if p not in ALWAYS]
    return TestCase(wasm, spec, swarm(args, ALWAYS, others, OTHERS_SHARE), args, invocations,
                    nans_canonical=canonical)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("differential")
