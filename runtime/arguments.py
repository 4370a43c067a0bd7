"""Refusing arguments of the wrong type the way wasmtime-py programs expect.

wasmtime-py checks some arguments with ``isinstance`` (``TypeError``) and
reaches into others (``store._context()``, ``module.ptr()``), so a wrong
store, module or type object surfaces as ``AttributeError``; its own tests
assert one or the other depending on the argument. ``WrongType`` is both,
so code written against either keeps working, while its message says what
was expected instead of naming a private attribute.
"""

from __future__ import annotations


class WrongType(TypeError, AttributeError):
    """An argument of the wrong type (both exceptions wasmtime-py raises for one)."""


def expect(value, cls: type | tuple[type, ...], what: str):
    """``value`` if it is a ``cls``; WrongType naming ``what`` otherwise."""
    if not isinstance(value, cls):
        raise WrongType(f"expected {what}, got {type(value).__name__}")
    return value


class StoreLike:
    """What a method taking ``store`` accepts: a Store, or a Caller (which
    stands for its store during a host call), as wasmtime-py's ``Storelike``.
    Each of the two says which Store it is with ``_the_store()``."""

    __slots__ = ()


def expect_store(value):
    """The Store that ``value`` is or stands for; WrongType if neither."""
    return expect(value, StoreLike, "a Store")._the_store()
