"""Fixtures shared by the code generation and code reuse tests."""

import pytest
from wasmfuzz.runtime.compile.python import pycompile


@pytest.fixture
def compiles(monkeypatch):
    """How many functions went through compile() since the fixture was made."""
    count = [0]
    real = pycompile.compile_source

    def counting(source, filename):
        count[0] += 1
        return real(source, filename)
    monkeypatch.setattr(pycompile, "compile_source", counting)
    return count
