"""wasmfuzz.fuzz: generators, fuzz targets, and the commands that run them.

- Generators make inputs: ``smith`` (wasm-tools smith with swarm-chosen
  options), ``table_ops``, ``memory_ops`` and ``interrupt_ops`` (targeted
  programs), ``toggles`` (the runtime configuration), ``calls`` (the
  arguments of the calls). Each draws its choices from a ``Source``: fuzz
  bytes (``Unstructured``) under atheris or on a saved input, Hypothesis
  draws in pytest (``strategies``).
- Targets (``targets/``) glue one generator to the oracles, in a few lines.
- Commands: ``wasmfuzz fuzz`` (``campaign``, through ``atheris_main``),
  ``repro``, ``shrink``, ``check``; findings are written by ``findings``
  and read back, with corpus entries, by ``entries``.
"""
