"""``wasmfuzz compile``: compile a module and print the Python generated for it.

For debugging the code generator and for reading what a Wasm function turns
into. ``--func`` takes a function index or an export name; without it every
defined function is printed. ``--layout`` forces the structured or the flat
layout (see ``codegen``).
"""

from __future__ import annotations

import sys
from dataclasses import fields, replace

from wasmfuzz.runtime.binary.features import Features
from wasmfuzz.runtime.compile.python.codegen import LAYOUTS, emit_function
from wasmfuzz.runtime.errors import WasmtimeError


def add_arguments(parser) -> None:
    parser.add_argument("module", help="a .wasm or .wat file")
    parser.add_argument("--emit-python", action="store_true",
                        help="print the generated Python source (the default and only output)")
    parser.add_argument("--func", help="function index or export name (default: all defined functions)")
    parser.add_argument("--layout", choices=LAYOUTS, default="auto", help="code layout to generate")
    parser.add_argument("--enable", action="append", default=[], metavar="PROPOSAL",
                        choices=[f.name for f in fields(Features)],
                        help="accept a proposal beyond WebAssembly 2.0 (repeatable), e.g. memory64")


def _function_indices(info, which: str | None) -> list[int]:
    first = info.num_imported_funcs
    defined = range(first, first + len(info.funcs))
    if which is None:
        return list(defined)
    if which.isdigit():
        idx = int(which)
        if idx not in defined:
            raise WasmtimeError(f"no defined function with index {idx} "
                                f"(defined functions are {first}..{first + len(info.funcs) - 1})")
        return [idx]
    for e in info.exports:
        if e.name == which and e.kind == 0:
            if e.index < first:
                raise WasmtimeError(f"export {which!r} is an imported function; it has no code here")
            return [e.index]
    raise WasmtimeError(f"no exported function named {which!r}")


def run(args) -> int:
    from wasmfuzz.runtime import Config, Engine, Module
    try:
        config = Config()
        for proposal in args.enable:
            setattr(config, f"wasm_{proposal}", True)
        module = Module.from_file(Engine(config), args.module)
        info = module._info
        for idx in _function_indices(info, args.func):
            options = replace(module._code.options, layout=args.layout)
            source, _, consts, flat = emit_function(info, idx, options=options)
            name = info.func_names.get(idx)
            print(f"# func[{idx}]{' ' + name if name else ''}: {'flat' if flat else 'structured'} layout")
            for cname, value in consts.items():
                print(f"# {cname} = {value!r}")
            print(source)
    except WasmtimeError as e:
        print(f"wasmfuzz compile: {e}", file=sys.stderr)
        return 1
    return 0
