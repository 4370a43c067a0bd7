"""Stage one: module bytes (or WAT text) to a validated ``ModuleInfo``.

What a module declares, independent of any engine state: ``wat`` turns text
into bytes, ``decode`` reads the binary format into ``module_info``'s
immutable description, ``validate`` type-checks it for the ``features`` an
engine enables. ``opcodes`` names the instructions and types, ``values`` is
how Wasm numbers live in Python, ``constexpr`` evaluates constant
expressions and ``type_registry`` interns function types. Imports nothing of
the runtime but ``errors``.
"""
