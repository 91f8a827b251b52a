"""The append-only, tamper-evident event store: the only package that touches the database."""
