"""Executions of a module answered from what an earlier one answered.

The semantics check runs the seed a rewrite was made from beside the
rewrite (``oracles.semantics``): one execution more per case. The seed,
its configuration and its calls repeat. In a 25-second mutate campaign,
870 of 988 such cases ran a seed under a configuration with calls that an
earlier case had run already: libFuzzer mostly changes the bytes that
wasm-mutate reads, not the call arguments. An execution is deterministic
given its module, its configuration and what it is asked, so the answers
are recorded once, in a tree of requests (instantiate, then each call):
the outcome of each, and what the comparison read after it (exports,
globals, memories, tables). A later execution of the same module under
the same configuration walks the tree and runs nothing while its requests
and reads are in it. At the first one that is not, it starts the module
for real, makes the requests so far again, and records from there on.

Only a campaign's ``Engines`` keep recordings: a test that plants a bug
runs everything. An execution with the pooling allocator is never
recorded, since a pooled slot carries what earlier instances left there,
which is exactly what that configuration is checked for. Memories are
kept as 64 KiB pages, each shared with the nearest earlier snapshot that
holds the same bytes (a call changes a few pages of a seed's 1 MiB
stack and data), within ``KEPT_BYTES`` in all, least recently used module
first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Callable

from .spec import ExecutionSpec

PAGE = 1 << 16
KEPT_BYTES = 64 << 20  # of memory pages, in every recording together (16 seeds' trees in a mutate campaign)


class _Node:
    """The state after one request: its outcome, the reads made there, and the requests made next."""

    __slots__ = ("outcome", "parent", "reads", "children")

    def __init__(self, outcome, parent: "_Node | None"):
        self.outcome, self.parent = outcome, parent
        self.reads: dict[str, object] = {}
        self.children: dict[tuple, _Node] = {}


class _Tree:
    __slots__ = ("root", "held")

    def __init__(self):
        self.root, self.held = _Node(None, None), 0


class Recordings:
    """The recorded trees, by module and configuration, least recently used first."""

    def __init__(self, budget: int = KEPT_BYTES):
        self._trees: OrderedDict[tuple, _Tree] = OrderedDict()
        self._budget, self._held = budget, 0

    def tree(self, wasm: bytes, spec: ExecutionSpec) -> _Tree:
        key = (len(wasm), hashlib.blake2b(wasm, digest_size=16).digest(), spec)
        tree = self._trees.get(key)
        if tree is None:
            tree = self._trees[key] = _Tree()
        self._trees.move_to_end(key)
        return tree

    def held(self, tree: _Tree, nbytes: int) -> None:
        """``tree`` holds ``nbytes`` more: forget the least recently used trees past the budget."""
        tree.held += nbytes
        self._held += nbytes
        while self._held > self._budget and len(self._trees) > 1:
            _, old = self._trees.popitem(last=False)
            self._held -= old.held

    def clear(self) -> None:
        self._trees.clear()
        self._held = 0


class RecordedExecution:
    """An ``ApiExecution`` of ``spec`` (``start`` makes one), answered from
    ``recordings`` while the requests and reads are recorded there, and by
    the real execution, started on the first that is not, after."""

    def __init__(self, spec: ExecutionSpec, recordings: Recordings, start: Callable[[], object]):
        self.spec, self.name = spec, spec.name
        self._recordings, self._start = recordings, start
        self._tree: _Tree | None = None
        self._node: _Node | None = None
        self._wasm = b""
        self._made: list[tuple] = []  # the requests so far
        self._live = None  # the ApiExecution ``start`` made, once one is needed

    def instantiate(self, wasm: bytes):
        self._wasm = wasm
        self._tree = self._recordings.tree(wasm, self.spec)
        self._node = self._tree.root
        return self._request(("instantiate",), lambda e: e.instantiate(wasm))

    def call(self, name: str, args: tuple):
        return self._request(("call", name, args), lambda e: e.call(name, args))

    def exports(self):
        return self._read("exports", lambda e: e.exports())

    def globals(self):
        return self._read("globals", lambda e: e.globals())

    def tables(self):
        return self._read("tables", lambda e: e.tables())

    def memory_views(self) -> dict[str, memoryview]:
        """As ``ApiExecution.memory_views``: a replayed memory is a writable copy, compared in place."""
        if self._live is None and "memories" in self._node.reads:
            return {name: memoryview(bytearray().join(pages)) for name, pages in self._node.reads["memories"].items()}
        views = self._go_live().memory_views()
        self._record_memories(views)
        return views

    def memories(self) -> dict[str, bytes]:
        if "memories" not in self._node.reads:  # recorded by reading the views
            for view in self.memory_views().values():
                view.release()
        return {name: b"".join(pages) for name, pages in self._node.reads["memories"].items()}

    def classify(self, e: Exception):
        return self._go_live().classify(e)

    # ----- recording and replaying -----

    def _request(self, request: tuple, make):
        known = self._node.children.get(request)
        if known is None or self._live is not None:
            outcome = make(self._go_live())
            if known is None:
                known = self._node.children[request] = _Node(outcome, self._node)
        else:
            outcome = known.outcome
        self._made.append(request)
        self._node = known
        return outcome

    def _read(self, what: str, read):
        reads = self._node.reads
        if self._live is None and what in reads:
            return reads[what]
        value = read(self._go_live())
        reads.setdefault(what, value)
        return value

    def _go_live(self):
        """The real execution, started now if need be, with the requests so far made again."""
        if self._live is None:
            live = self._start()
            live.name = self.name
            for request in self._made:
                if request[0] == "instantiate":
                    live.instantiate(self._wasm)
                else:
                    live.call(request[1], request[2])
            self._live = live
        return self._live

    def _record_memories(self, views: dict[str, memoryview]) -> None:
        """Keep the memories ``views`` show at this node (once), as pages, each
        the nearest earlier snapshot's page object where the bytes are the same."""
        if "memories" in self._node.reads:
            return
        earlier = self._node.parent
        while earlier is not None and "memories" not in earlier.reads:
            earlier = earlier.parent
        kept, new = {}, 0
        for name, view in views.items():
            before = earlier.reads["memories"].get(name, ()) if earlier is not None else ()
            pages = []
            for i, at in enumerate(range(0, view.nbytes, PAGE)):
                page = bytes(view[at:at + PAGE])
                if i < len(before) and before[i] == page:
                    page = before[i]
                else:
                    new += len(page)
                pages.append(page)
            kept[name] = tuple(pages)
        self._node.reads["memories"] = kept
        self._recordings.held(self._tree, new)
