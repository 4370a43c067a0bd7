"""``wasmfuzz diff``: run a WASI program on wasmfuzz and on Wasmtime and, if
they differ, find the first cause without a person.

    wasmfuzz diff [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... [--fuel N]
                  [--stdin FILE] MODULE [ARGS...]

Options are spelt as ``wasmfuzz run``'s (and ``wasmtime run``'s) and, like
theirs, come before the module: what follows it is the guest's. Each engine
gets its own fresh copy of every ``--dir``, so what each wrote can be
compared, and the same stdin (empty without ``--stdin``).

Compared: how the program ended (exit status or trap code), stdout,
stderr, the files in each engine's copies, and with ``--fuel`` the fuel
consumed, instantiation included. On a difference the program runs again on
both with every WASI call logged and the first call that differs is
reported (``oracles.program``, ``oracles.locate``); if the calls do not
explain it, fuel bisection finds the first budget at which the engines'
states differ where they stop, and the function and instruction there.

Exit status: 0 when everything agrees, 1 on a difference, 2 for bad input
(unreadable or malformed module, bad option, a module neither engine can
instantiate), with one line. Nothing bounds a run but ``--fuel``: give it
for a program that may not end.
"""

from __future__ import annotations

import argparse
import os
import sys

import wasmtime

from wasmfuzz import runtime
from wasmfuzz.oracles import locate
from wasmfuzz.oracles import program as programs
from wasmfuzz.oracles.program import Instrumented, Observed, Program, ProgramError
from wasmfuzz.runtime.binary.module_info import EXTERN_FUNC
from wasmfuzz.runtime.binary.wat import to_wasm
from wasmfuzz.runtime.errors import WasmtimeError

from .run import first_line, parse_dirs, parse_env

EXIT_SAME, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2
LOCATING_FUEL = 1 << 62  # the budget of the locating runs without --fuel: fuel is metered, never runs out


class BadInput(Exception):
    """What the user gave cannot be run; the message is one line."""


def add_arguments(parser) -> None:
    parser.add_argument("module", help="a .wasm or .wat WASI program (with a _start)")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="the guest's arguments")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="give the guest a copy of a host directory, under GUEST (default: HOST)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME[=VALUE]",
                        help="set an environment variable (NAME alone: pass on the host's value)")
    parser.add_argument("--fuel", type=int, metavar="N",
                        help="run with N units of fuel and compare the fuel consumed")
    parser.add_argument("--stdin", metavar="FILE", help="the guest's stdin (default: empty)")
    parser.error = lambda message: _usage_error(parser, message)


def _usage_error(parser, message: str):
    """A bad option in one line (argparse would add its usage text), exit status 2."""
    print(f"{parser.prog}: {message} (see --help)", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def run(args) -> int:
    """Compare the two engines' runs; on a difference print it and its first cause."""
    try:
        program = _program(args)
        instrumented = Instrumented(program.wasm)
        if not any(e.name == "_start" and e.kind == EXTERN_FUNC for e in instrumented.info.exports):
            raise BadInput("no exported function _start: not a WASI command")
    except (BadInput, ProgramError) as e:
        return _bad(args.module, str(e))
    apis = (wasmtime, runtime)
    theirs, ours = (programs.run(api, program, fuel=args.fuel) for api in apis)
    for failure in ("invalid", "cannot instantiate"):
        if theirs.ended == ours.ended == failure:
            return _bad(args.module, f"{failure}: {_one_line(theirs.message)}")
    differing = locate.differences(theirs, ours)
    if not differing:
        print(f"same on both engines: {_summary(theirs)}")
        return EXIT_SAME
    print(f"the engines differ ({', '.join(differing)}):")
    for aspect in differing:
        print(f"  {_aspect(aspect, theirs, ours, program)}")
    _locate(apis, program, instrumented, args.fuel)
    return EXIT_DIFFERENT


def _program(args) -> Program:
    try:
        with open(args.module, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}") from None
    try:
        wasm = to_wasm(data)
    except WasmtimeError as e:
        raise BadInput(f"not WebAssembly: {first_line(e)}") from None
    if args.fuel is not None and args.fuel < 0:
        raise BadInput("--fuel must be at least 0")
    env = parse_env(args.env)
    dirs = [(d.host, d.guest) for d in parse_dirs(args.dir)]
    for item, (host, _) in zip(args.dir, dirs):
        if not os.path.isdir(host):
            raise BadInput(f"--dir {item}: {host!r} is not a directory")
    stdin = b""
    if args.stdin is not None:
        try:
            with open(args.stdin, "rb") as f:
                stdin = f.read()
        except OSError as e:
            raise BadInput(f"--stdin {args.stdin}: {e.strerror}") from None
    return Program(wasm, [args.module, *args.args], env, dirs, stdin)


def _locate(apis, program: Program, instrumented: Instrumented, fuel: int | None) -> None:
    """Print the first cause: the first differing WASI call, else the first
    fuel budget at which the stopped states differ."""
    budget = LOCATING_FUEL if fuel is None else fuel
    theirs, ours = (programs.run(api, program, fuel=budget, instrumented=instrumented) for api in apis)
    call = locate.first_call_difference(theirs, ours)
    print("first cause:")
    if call is not None and call.instantiation is not None:
        t, o = call.instantiation
        print(f"  fuel differs already at instantiation, before the first WASI call: "
              f"wasmtime consumed {t}, wasmfuzz {o}")
        return
    if call is not None:
        print(f"  WASI call {call.agreed + 1} differs ({call.agreed} calls before it agreed):")
        print(f"    wasmtime: {call.theirs or '(no such call)'}")
        print(f"    wasmfuzz: {call.ours or '(no such call)'}")
        if call.in_host:
            print("  the same call got a different answer: the cause is in the host (WASI), not in Wasm")
            return
        print("  the Wasm code before it ran differently; fuel bisection:")
    else:
        print(f"  all {len(theirs.calls or [])} WASI calls agree (name, arguments, result, fuel before); "
              "fuel bisection:")
    consumed = [f for f in (theirs.fuel, ours.fuel) if f is not None]
    if not consumed:
        print("    no engine ran the program, nothing to bisect")
        return
    found = locate.bisect(apis, program, instrumented, min(budget, max(consumed) + 1))
    if found is None:
        print("    the states where the engines stop never differ: the difference is outside Wasm state "
              "(in what the host did with the same calls)")
        return
    first, before = found.first, found.before
    print(f"    first budget at which the states differ: {first.budget:,} fuel")
    _print_stops(instrumented, first.theirs, first.ours)
    for change in first.changes:
        print(f"      {change}")
    if before is not None:
        print(f"    at {before.budget:,} fuel they agreed:")
        _print_stops(instrumented, before.theirs, before.ours)


def _print_stops(instrumented: Instrumented, theirs: Observed, ours: Observed) -> None:
    for name, side in (("wasmtime", theirs), ("wasmfuzz", ours)):
        if side.ended == "trap OUT_OF_FUEL":
            print(f"      {name} stopped in {locate.place(instrumented, side.stop)}")
        else:
            print(f"      {name} did not run out of fuel: {side.ended}")


def _summary(observed: Observed) -> str:
    fuel = "" if observed.fuel is None else f", {observed.fuel:,} fuel"
    return (f"{observed.ended}, stdout {len(observed.stdout)} bytes, stderr {len(observed.stderr)} bytes, "
            f"{len(observed.files)} file-tree entries{fuel}")


def _aspect(aspect: str, theirs: Observed, ours: Observed, program: Program) -> str:
    a, b = getattr(theirs, aspect), getattr(ours, aspect)
    if aspect in ("stdout", "stderr"):
        at = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        return (f"{aspect}: wasmtime {len(a)} bytes, wasmfuzz {len(b)} bytes, from byte {at}: "
                f"wasmtime {a[at:at + 40]!r}, wasmfuzz {b[at:at + 40]!r}")
    if aspect == "files":
        guests = [guest for _, guest in program.dirs]
        paths = sorted({entry[0] for entry in set(a) ^ set(b)})
        shown = [_guest_path(path, guests) for path in paths[:8]]
        return f"files: {len(paths)} paths differ: {', '.join(shown)}"
    if aspect == "ended":
        detail = " / ".join(_one_line(s.message) for s in (theirs, ours) if s.message)
        return f"ended: wasmtime {a}, wasmfuzz {b}" + (f" ({detail})" if detail else "")
    if aspect == "fuel" and None not in (a, b):
        return f"fuel: wasmtime {a:,}, wasmfuzz {b:,}"
    return f"{aspect}: wasmtime {a}, wasmfuzz {b}"


def _guest_path(path: str, guests: list[str]) -> str:
    """A path in the snapshot of the copies ("0/out.txt") as the guest named it."""
    index, _, rest = path.partition("/")
    guest = guests[int(index)] if index.isdigit() and int(index) < len(guests) else index
    return f"{guest.rstrip('/')}/{rest}" if rest else guest


def _one_line(message: str) -> str:
    """An engine's error text, kept as ``Observed.message``, as ``wasmfuzz run`` shows one: one line."""
    return first_line(Exception(message))


def _bad(module: str, message: str) -> int:
    print(f"wasmfuzz diff: {module}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
