"""``TestCase``: everything one check needs, and nothing from the fuzz input.

A test case is the module, the base configuration, the checks to run (pair
names from ``oracles.pairs``, or the validation oracle), and the bytes the
call arguments are drawn from. It replays by itself, with no generator and
no fuzz input, which is what lets ``shrink`` swap in a smaller module and
``repro`` run a finding saved by an older version of a generator. A case
made by rewriting a module also holds the module it was made from
(``original``), for the semantics check. A module made without smith's NaN
canonicalisation (``nans_canonical`` False) may move a NaN's free bits into
integers and memory: a difference there stands only if it remains with NaN
canonicalisation on both engines (``allowed.nan_bits_may_explain``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from wasmfuzz.oracles import PAIRS, Divergence, ExecutionSpec, Verdict, allowed, compare
from wasmfuzz.oracles.execution import Engines
from wasmfuzz.oracles.semantics import ENDS_WITHIN, with_semantics
from wasmfuzz.oracles.semantics import PAIR as SEMANTICS
from wasmfuzz.oracles.validation import PAIR as VALIDATION
from wasmfuzz.oracles.validation import check_validation
from wasmfuzz.oracles.wasi import PAIR as WASI
from wasmfuzz.oracles.wasi import check_wasi

from .calls import call_plan

# Checks with an oracle of their own rather than a pair of executions of one module.
_OWN_ORACLES = (VALIDATION, WASI, SEMANTICS.name)


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class

    wasm: bytes
    spec: ExecutionSpec
    checks: tuple[str, ...]
    args: bytes = b""
    invocations: int = 1
    original: bytes = b""  # the module ``wasm`` was rewritten from, when SEMANTICS is checked
    nans_canonical: bool = True  # False: made without smith's NaN canonicalisation

    def check(self, engines: Engines | None = None) -> Verdict:
        """Run every check; raises ``Divergence`` at the first disagreement.
        ``engines``: Engines and Modules kept from earlier cases (a campaign's)."""
        if VALIDATION in self.checks:
            check_validation(self.wasm, self.spec)
        engines = engines if engines is not None else Engines()  # Modules shared by every check
        if WASI in self.checks:  # args: where the program writes host-dependent bytes (oracles.wasi)
            check_wasi(self.wasm, self.spec, self.args, engines)
        pairs = [PAIRS[name] for name in self.checks if name not in _OWN_ORACLES]
        plan = call_plan(self.args, self.invocations)
        if not pairs and SEMANTICS.name not in self.checks:
            return Verdict(compared=[name for name in self.checks if name in (VALIDATION, WASI)])
        try:
            return self._compare(self.spec, pairs, plan, engines)
        except Divergence as d:
            if self.nans_canonical or self.spec.nan_canonicalization or not allowed.nan_bits_may_explain(d):
                raise
            try:
                verdict = self._compare(self.spec.with_(nan_canonicalization=True), pairs, plan, engines)
            except Divergence:
                raise d from None
            verdict.poisoned[d.pair] = f"{d.step}: {d.aspect} differs only while NaNs keep their free bits"
            return verdict

    def _compare(self, spec: ExecutionSpec, pairs, plan, engines) -> Verdict:
        """``compare`` under ``spec``, and the semantics check with it when the
        case asks for one. A difference that NaN bits may explain is run again,
        all of it, with NaN canonicalisation on both engines (``check``): the
        semantics check included, so that a rewrite seen to differ from its
        original in that run is judged as such (on Wasmtime too), not taken
        for the first difference. A rewritten module (``original``) is compared
        with its original, and guarded: it may loop forever where its
        original ends (``oracles.semantics``)."""
        extra = {"original": self.original, "guard": ENDS_WITHIN} if self.original else {}

        def compare_pairs(ps) -> Verdict:
            return compare(self.wasm, spec, ps, plan, engines, **extra)
        if SEMANTICS.name in self.checks:
            return with_semantics(compare_pairs, pairs, self.original, self.wasm, spec, plan, engines)
        return compare_pairs(pairs)

    def with_wasm(self, wasm: bytes) -> "TestCase":
        return TestCase(wasm, self.spec, self.checks, self.args, self.invocations, self.original, self.nans_canonical)

    def to_json(self) -> str:
        """Everything but the module, which is saved beside it as a .wasm file."""
        return json.dumps({"spec": self.spec.as_dict(), "checks": list(self.checks),
                           "args": self.args.hex(), "invocations": self.invocations,
                           **({"original": self.original.hex()} if self.original else {}),
                           **({} if self.nans_canonical else {"nans_canonical": False})}, indent=2)

    @classmethod
    def from_json(cls, text: str, wasm: bytes) -> "TestCase":
        d = json.loads(text)
        unknown = [name for name in d["checks"] if name not in PAIRS and name not in _OWN_ORACLES]
        if unknown:
            raise ValueError(f"unknown checks {unknown} (known: {', '.join([*PAIRS, *_OWN_ORACLES])})")
        return cls(wasm, ExecutionSpec.from_dict(d["spec"]), tuple(d["checks"]), bytes.fromhex(d["args"]),
                   d["invocations"], bytes.fromhex(d.get("original", "")), d.get("nans_canonical", True))
