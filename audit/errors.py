"""Domain errors of the event store, rooted at StoreError (EventRejected comes from compliance.envelope)."""

from __future__ import annotations

from compliance.envelope import EventRejected, FieldError

__all__ = [
    "CaseNotFound",
    "ConcurrencyConflict",
    "EventRejected",
    "FieldError",
    "IdempotencyConflict",
    "StoreError",
]


class StoreError(Exception):
    """Base of every refusal by the store other than invalid input (EventRejected)."""


class ConcurrencyConflict(StoreError):
    """The case is not at the version the append expected (someone else appended first)."""

    def __init__(self, case_id: str, *, expected: int | None, actual: int | None) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual  # None when a concurrent writer won the race for the same version
        where = f"is at version {actual}" if actual is not None else "was appended to concurrently"
        super().__init__(f"case {case_id} {where}, not at the expected version {expected}")


class IdempotencyConflict(StoreError):
    """An idempotency key was reused for a different request body."""

    def __init__(self, case_id: str, key: str) -> None:
        self.case_id = case_id
        self.key = key
        super().__init__(f"idempotency key {key!r} of case {case_id} was used for a different request")


class CaseNotFound(StoreError):
    """The case has no case_opened event yet."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"case {case_id} does not exist (its first event must be case_opened)")
