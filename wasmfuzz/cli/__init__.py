"""The ``wasmfuzz`` command: one argparse subcommand per tool.

Why a table of modules: each tool (run spec scripts, dump generated code,
fuzz, replay, shrink ...) is written by whoever owns it, in its own module,
so adding a subcommand is one line in ``SUBCOMMANDS`` and never an edit to a
shared function. A subcommand's module provides ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status), and is imported only when that
subcommand runs, so ``wasmfuzz wast`` does not pay for importing the fuzzers.

The subcommand is the first argument; everything after it belongs to the
subcommand's own parser (``wasmfuzz wast --help`` shows its options).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NamedTuple, Sequence


class Subcommand(NamedTuple):
    name: str
    module: str  # provides add_arguments(parser) and run(args) -> int
    summary: str = ""


SUBCOMMANDS = [
    Subcommand("wast", "wasmfuzz.cli.wast", "run WebAssembly spec-test scripts (.wast)"),
    Subcommand("compile", "wasmfuzz.cli.compile", "compile a module and show the generated Python"),
    Subcommand("run", "wasmfuzz.cli.run", "run a WebAssembly program with WASI, like `wasmtime run`"),
    Subcommand("diff", "wasmfuzz.cli.diff", "run a WASI program on wasmfuzz and Wasmtime; locate the first difference"),
    Subcommand("fuzz", "wasmfuzz.fuzz.campaign", "run a fuzz campaign on one target, saving findings"),
    Subcommand("repro", "wasmfuzz.fuzz.repro", "replay one finding or input and print its report"),
    Subcommand("shrink", "wasmfuzz.fuzz.shrink", "minimise a finding's module, keeping its divergence"),
    Subcommand("check", "wasmfuzz.fuzz.check", "replay a corpus through the oracles (CI gate, JUnit XML)"),
    Subcommand("report", "wasmfuzz.fuzz.report", "chart a campaign's rate and coverage, and its findings by kind"),
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit status (2 for bad usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = _choose(argv[:1])
        return _run(command, argv[1:])
    except SystemExit as e:  # argparse's way of ending after --help or a usage error
        return e.code if isinstance(e.code, int) else 0 if e.code is None else 2


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasmfuzz", description="A WebAssembly runtime in Python and its fuzzing harness.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for entry in SUBCOMMANDS:
        commands.add_parser(entry.name, help=entry.summary, add_help=False)
    return parser


def _choose(first: list[str]) -> Subcommand:
    """The subcommand named by the first argument (argparse reports a bad one)."""
    name = _top_parser().parse_args(first).command
    return next(entry for entry in SUBCOMMANDS if entry.name == name)


def _run(command: Subcommand, rest: list[str]) -> int:
    try:
        module = importlib.import_module(command.module)
    except ImportError as e:
        print(f"wasmfuzz {command.name}: not available: {e}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"wasmfuzz {command.name}", description=command.summary)
    module.add_arguments(parser)
    return module.run(parser.parse_args(rest))
