"""Schema revisions of the event store, oldest first; a shipped revision is never edited."""
