"""The loss-mitigation domain: event types, case state and the rulebook (pure: no I/O, no clock)."""
