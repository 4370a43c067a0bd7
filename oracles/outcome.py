"""``Outcome``: what one instantiation or one call did, in engine-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass

from .values import Value

RETURNED, TRAPPED, ERROR, CRASHED = "returned", "trapped", "error", "crashed"


@dataclass(frozen=True)
class Outcome:
    """``status`` is one of RETURNED (with ``values``), TRAPPED (with the
    ``trap`` code's name), ERROR (a WasmtimeError: invalid module, link
    failure, resource limit) or CRASHED (any other exception: always a bug
    in the engine, since guest behaviour may only trap)."""

    status: str
    values: tuple[Value, ...] = ()
    trap: str | None = None
    message: str = ""
    fuel_consumed: int | None = None  # after a return, when fuel is on
    crash_site: str = ""  # CRASHED: exception type and where it was raised

    def __str__(self) -> str:
        if self.status == RETURNED:
            fuel = f" (fuel consumed {self.fuel_consumed})" if self.fuel_consumed is not None else ""
            return f"returned [{', '.join(map(str, self.values))}]{fuel}"
        if self.status == TRAPPED:
            return f"trapped {self.trap}: {self.message}"
        return f"{self.status}: {self.message}"

    @property
    def summary(self) -> str:
        """The kind of outcome without its details, for grouping findings."""
        if self.status == CRASHED:
            return f"crashed ({self.crash_site})"
        return f"trap {self.trap}" if self.status == TRAPPED else self.status
