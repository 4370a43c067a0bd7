"""Function names as Wasmtime shows them in backtraces: demangled.

Wasmtime passes every name-section function name through rustc-demangle,
then cpp_demangle, and prints the raw name only when both refuse it. The
C++ demangler also accepts a bare *type*, so a function named ``a`` shows
as ``signed char`` and one named ``i`` as ``int``: text that a backtrace
comparison must reproduce. This module covers the part of both grammars
that names in real and test modules use: Rust legacy symbols
(``_ZN3foo3bar17h<hash>E``), Itanium functions whose names are plain or
nested and whose parameters are builtin, qualified, pointer, reference or
class types, and all of those as bare types. Anything else (templates,
back-references, Rust v0 symbols) is shown raw, which differs from Wasmtime
only for such names.
"""

from __future__ import annotations

_BUILTINS = {
    "v": "void", "w": "wchar_t", "b": "bool", "c": "char", "a": "signed char", "h": "unsigned char",
    "s": "short", "t": "unsigned short", "i": "int", "j": "unsigned int", "l": "long", "m": "unsigned long",
    "x": "long long", "y": "unsigned long long", "n": "__int128", "o": "unsigned __int128", "f": "float",
    "d": "double", "e": "long double", "g": "__float128", "z": "...",
    "Dd": "decimal64", "De": "decimal128", "Df": "decimal32", "Dh": "half", "Di": "char32_t", "Ds": "char16_t",
    "Du": "char8_t", "Da": "auto", "Dc": "decltype(auto)", "Dn": "std::nullptr_t",
}
_STD_SUBSTITUTIONS = {
    "St": "std", "Sa": "std::allocator", "Sb": "std::basic_string", "Ss": "std::string",
    "Si": "std::basic_istream<char, std::char_traits<char> >", "So": "std::ostream",
    "Sd": "std::basic_iostream<char, std::char_traits<char> >",
}
_QUALIFIERS = {"K": "const", "V": "volatile", "r": "restrict"}
_DECLARATORS = {"P": "*", "R": "&", "O": "&&"}
_RUST_ESCAPES = {"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","}


class _Refused(Exception):
    """The name is outside the grammar covered here."""


def demangle(name: str) -> str:
    """``name`` as Wasmtime prints it in a backtrace."""
    try:
        rust = _rust_legacy(name)
        if rust is not None:
            return rust
        return _Itanium(name).symbol()
    except _Refused:
        return name


def _rust_legacy(name: str) -> str | None:
    """A Rust legacy symbol (``_ZN`` path ``E``), or None if ``name`` is not one."""
    if not (name.startswith("_ZN") and name.endswith("E")):
        return None
    rest, parts = name[3:-1], []
    while rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not digits:
            return None
        size = int(rest[:digits])
        part, rest = rest[digits:digits + size], rest[digits + size:]
        if len(part) != size or not part:
            return None
        parts.append(_rust_unescape(part))
    return "::".join(parts) if parts else None


def _rust_unescape(part: str) -> str:
    if part.startswith("_$"):
        part = part[1:]
    out, i = [], 0
    while i < len(part):
        if part.startswith("..", i):
            out.append("::")
            i += 2
        elif part[i] == "$" and "$" in part[i + 1:]:
            end = part.index("$", i + 1)
            code = part[i + 1:end]
            if code in _RUST_ESCAPES:
                out.append(_RUST_ESCAPES[code])
            elif code.startswith("u") and code[1:] and all(ch in "0123456789abcdef" for ch in code[1:]):
                out.append(chr(int(code[1:], 16)))
            else:
                raise _Refused
            i = end + 1
        else:
            out.append(part[i])
            i += 1
    return "".join(out)


class _Itanium:
    """A recursive-descent reader of the covered part of the Itanium C++ ABI mangling."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def symbol(self) -> str:
        if self.text.startswith("_Z"):
            self.pos = 3 if self.text.startswith("_ZL") else 2
            out = self.name()
            if self.pos < len(self.text):
                out += self.params()
        else:
            out = self.type()
        if self.pos != len(self.text):
            raise _Refused
        return out

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def params(self) -> str:
        types = []
        while self.pos < len(self.text) and self.peek() != "E":
            types.append(self.type())
        return "()" if types == ["void"] else f"({', '.join(types)})"

    def name(self) -> str:
        if self.peek() == "N":
            self.pos += 1
            parts = []
            while self.peek() != "E":
                if not self.peek():
                    raise _Refused
                parts.append(self.std() if self.peek() == "S" and not parts else self.source_name())
            self.pos += 1
            if not parts:
                raise _Refused
            return "::".join(parts)
        if self.peek() == "S":
            return self.std()
        return self.source_name()

    def std(self) -> str:
        sub = _STD_SUBSTITUTIONS.get(self.peek(2))
        if sub is None:
            raise _Refused
        self.pos += 2
        return f"std::{self.source_name()}" if sub == "std" and self.peek().isdigit() else sub

    def source_name(self) -> str:
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        if start == self.pos:
            raise _Refused
        size = int(self.text[start:self.pos])
        ident = self.text[self.pos:self.pos + size]
        if len(ident) != size or not size:
            raise _Refused
        self.pos += size
        return ident

    def type(self) -> str:
        c = self.peek()
        if c == "D" and self.peek(2) in _BUILTINS:
            self.pos += 2
            return _BUILTINS[self.text[self.pos - 2:self.pos]]
        if c in _BUILTINS:
            self.pos += 1
            return _BUILTINS[c]
        if c in _QUALIFIERS:
            self.pos += 1
            inner = self.type()
            return f"{inner} {_QUALIFIERS[c]}"
        if c in _DECLARATORS:
            self.pos += 1
            return f"{self.type()}{_DECLARATORS[c]}"
        if c == "u":
            self.pos += 1
            return self.source_name()
        if c == "A":
            self.pos += 1
            start = self.pos
            while self.peek().isdigit():
                self.pos += 1
            size = self.text[start:self.pos]
            if not size or self.peek() != "_":
                raise _Refused
            self.pos += 1
            return f"{self.type()} [{size}]"
        if c in ("N", "S") or c.isdigit():
            return self.name()
        raise _Refused
