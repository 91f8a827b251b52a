"""The web console: server-rendered pages for managers, officers and examiners, under the API's own rules."""

from __future__ import annotations

from api.web.mount import mount_console

__all__ = ["mount_console"]
