"""A real program that throws Wasm exceptions: Lua 5.4, whose every error is a
``longjmp``, built by clang 22 with setjmp/longjmp lowered to the 3.0
exception instructions (``try_table`` around calls, ``throw`` of a tag).

Lua's sources come from the sdist of ``lupa`` on PyPI (fetched into
``build/`` on first use and checked against the index's sha256, never
committed); the interpreter's driver and the small setjmp run time clang's
lowering needs are ours (``programs/lua``). Output and fuel must equal
Wasmtime's, in both code layouts. Without clang 22 for
wasm32-wasi (Debian's ``clang-22 lld-22 libclang-rt-22-dev-wasm32``, which
``.ci/run`` installs) or without PyPI, the tests skip and say why.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest
import wasmfuzz.runtime

from wasi_support import BUILD, SOURCES, Scenario, run_program

wasmtime = pytest.importorskip("wasmtime")

LUPA = "lupa-2.8.tar.gz"
INDEX = "https://pypi.org/simple/lupa/"
LUA = SOURCES / "lua"
CLANG = "clang-22"
# Lua's string hashes are seeded from the clock unless told otherwise: fuel would differ run to run.
CFLAGS = ["--target=wasm32-wasi", "-O2", "-mexception-handling", "-mllvm", "-wasm-enable-sjlj",
          "-mllvm", "-wasm-use-legacy-eh=false", "-DLUA_USE_C89", "-D_WASI_EMULATED_SIGNAL",
          "-D_WASI_EMULATED_PROCESS_CLOCKS", "-Dluai_makeseed(L)=0", "-Wno-deprecated"]
LIBS = ["-lwasi-emulated-signal", "-lwasi-emulated-process-clocks"]
# Lua's library parts a file-less, process-less interpreter leaves out.
_LEFT_OUT = ("lua.c", "luac.c", "onelua.c", "ltests.c", "loslib.c", "liolib.c", "loadlib.c", "linit.c")

SCRIPTS = {
    "pcall": "local ok, bad = 0, 0\n"
             "for i = 1, 300 do\n"
             "  local good, v = pcall(function() if i % 3 == 0 then error({code = i}) end return i end)\n"
             "  if good then ok = ok + v else bad = bad + v.code end\n"
             "end\n"
             "print(ok, bad, pcall(error), select('#', pcall(error, nil)))\n"
             "print(pcall(function() local x = nil; return x.y end))",
    "coroutines": "local co = coroutine.wrap(function(a)\n"
                  "  for i = 1, 6 do a = a + coroutine.yield(a * i) end error('done ' .. a) end)\n"
                  "local s = co(1)\n"
                  "for i = 1, 8 do local good, e = pcall(co, i) if not good then print(e) break end s = s + e end\n"
                  "print(s, coroutine.resume(coroutine.create(function() error('in a coroutine') end)))",
    "strings": "local t = {}\n"
               "for w in string.gmatch('the quick brown fox jumps over the lazy dog', '%a+') do\n"
               "  t[#t + 1] = w:upper() end\n"
               "table.sort(t)\n"
               "print(table.concat(t, ','), utf8.char(955, 8364), string.format('%5.2f|%x', 3.14159, 255))\n"
               "print(pcall(string.rep), pcall(string.format, '%d', 'x'))\n"
               "print(xpcall(function() error('deep', 2) end, function(m) return 'handled: ' .. m end))",
}


def _fetch_lupa() -> Path:
    """The lupa sdist, downloaded from PyPI's simple index once and checked by its sha256."""
    target = BUILD / LUPA
    if target.exists():
        return target
    try:
        with urllib.request.urlopen(INDEX, timeout=60) as page:
            html = page.read().decode()
        found = re.search(rf'href="([^"#]*/{re.escape(LUPA)})#sha256=([0-9a-f]+)"', html)
        if found is None:
            pytest.skip(f"{LUPA} is not on {INDEX}")
        with urllib.request.urlopen(found.group(1), timeout=120) as download:
            data = download.read()
    except OSError as e:
        pytest.skip(f"cannot fetch {LUPA} from PyPI: {e}")
    if hashlib.sha256(data).hexdigest() != found.group(2):
        pytest.fail(f"{LUPA} does not match the sha256 PyPI lists for it")
    BUILD.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(target)
    return target


@pytest.fixture(scope="module")
def lua_wasm() -> bytes:
    probe = subprocess.run([CLANG, *CFLAGS, "-x", "c", "-", "-o", os.devnull], input="int main(void){return 0;}",
                           capture_output=True, text=True) if shutil.which(CLANG) else None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"{CLANG} cannot build for wasm32-wasi here (apt-get install clang-22 lld-22 "
                    "libclang-rt-22-dev-wasm32 wasi-libc)")
    ours = b"".join(p.read_bytes() for p in sorted(LUA.iterdir()))
    out = BUILD / f"lua-{hashlib.sha256(ours + ' '.join(CFLAGS).encode()).hexdigest()[:16]}.wasm"
    if out.exists():
        return out.read_bytes()
    sdist = _fetch_lupa()
    src = BUILD / "lua54"
    if not src.exists():
        with tarfile.open(sdist) as tarball:
            members = [m for m in tarball.getmembers()
                       if m.isfile() and Path(m.name).parent.name == "lua54" and m.name.endswith((".c", ".h"))]
            for member in members:
                member.name = Path(member.name).name
            src.mkdir(parents=True, exist_ok=True)
            tarball.extractall(src, members=members, filter="data")
    sources = [str(p) for p in sorted(src.glob("*.c")) if p.name not in _LEFT_OUT]
    partial = out.with_suffix(f".{os.getpid()}.tmp")
    done = subprocess.run([CLANG, *CFLAGS, f"-I{LUA}", f"-I{src}", *sources, str(LUA / "driver.c"),
                           str(LUA / "wasm_sjlj.c"), *LIBS, "-o", str(partial)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"building Lua failed:\n{done.stderr}")
    partial.replace(out)
    return out.read_bytes()


def test_lua_is_built_with_the_3_0_exception_instructions(lua_wasm):
    info = wasmfuzz.runtime.Module(wasmfuzz.runtime.Engine(), lua_wasm)._info
    ops = {ins[0] for body in info.code for ins in body.code}
    assert {0x08, 0x1F} <= ops  # throw, try_table
    assert len(info.tags) == 1


@pytest.mark.parametrize("layout", ["auto", "flat"])
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_lua_output_and_fuel_match_wasmtime(lua_wasm, script, layout, tmp_path, monkeypatch):
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", layout)
    scenario = Scenario(args=[SCRIPTS[script]], fuel=1 << 40)
    theirs = run_program(wasmtime, lua_wasm, scenario, tmp_path / "wasmtime", argv0="lua")
    ours = run_program(wasmfuzz.runtime, lua_wasm, scenario, tmp_path / "wasmfuzz", argv0="lua")
    assert (ours.exit_code, ours.trapped, ours.stdout, ours.stderr) == \
        (theirs.exit_code, theirs.trapped, theirs.stdout, theirs.stderr)
    assert ours.exit_code == 0 and ours.stdout.count(b"\n") >= 2
    assert ours.fuel_consumed == theirs.fuel_consumed > 0
