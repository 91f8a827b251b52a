"""Fresh, throw-away databases for one benchmark run: SQLite files in a folder, PostgreSQL databases of its own."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


class Databases:
    """Hands out empty databases named <prefix>_<random> and drops the PostgreSQL ones at the end."""

    def __init__(self, folder: Path, *, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.created: list[str] = []
        self.admin: Any = None

    def postgres_reachable(self) -> str | None:
        """None if PostgreSQL answers at 127.0.0.1:5432, else why not."""
        try:
            import psycopg

            self.admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
        except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
            return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        return None

    def fresh(self, backend: str, label: str) -> str:
        """The URL of a new, empty database."""
        if backend == "sqlite":
            return f"sqlite:///{(self.folder / f'{label}.db').as_posix()}"
        name = f"{self.prefix}_{secrets.token_hex(6)}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    def drop_all(self) -> None:
        """Drop every PostgreSQL database this run created."""
        for name in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.admin is not None:
            self.admin.close()
