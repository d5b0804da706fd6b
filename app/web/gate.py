"""One generation at a time on two cores: a bounded queue in front of the model."""

from __future__ import annotations

import threading

from app.errors import BusyError


class Ticket:
    """An admitted request: entering waits for the model, leaving frees it."""

    def __init__(self, gate: GenerationGate) -> None:
        self.gate = gate

    def __enter__(self) -> Ticket:
        self.gate._turn.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.gate._turn.release()
        with self.gate._count:
            self.gate._pending -= 1


class GenerationGate:
    """Admits one generation at a time; at most `max_waiting` more may wait in line."""

    def __init__(self, max_waiting: int, *, retry_after: int = 5) -> None:
        self.max_waiting = max_waiting
        self.retry_after = retry_after
        self._turn = threading.Lock()
        self._count = threading.Lock()
        self._pending = 0  # admitted and not finished: the one generating plus those waiting

    @property
    def pending(self) -> int:
        return self._pending

    def full(self) -> bool:
        return self._pending >= self.max_waiting + 1

    def admit(self) -> Ticket:
        """A place in line, or BusyError when the line is full."""
        with self._count:
            if self.full():
                raise BusyError(self.retry_after)
            self._pending += 1
        return Ticket(self)
