"""A real scheduler process whose clock is frozen at argv[1] (the time-travel twin of `compliance scheduler`).

Run as `python -m tests.api.scheduler_process 2026-07-10T16:00:00+00:00`; settings come from COMPLIANCE_*.
"""

from __future__ import annotations

import sys
from datetime import datetime

from api.scheduler import run_until_signalled
from api.settings import Settings


def main() -> None:
    """Run the standalone scheduler with the given instant as its clock until SIGTERM."""
    frozen = datetime.fromisoformat(sys.argv[1])
    run_until_signalled(Settings(), clock=lambda: frozen)


if __name__ == "__main__":
    main()
