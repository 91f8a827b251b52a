"""The `compliance` console command; each module in api.commands registers its own subcommands."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import api.commands

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Loss-mitigation compliance timelines and audit log."
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(api.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"api.commands.{info.name}")
        module.register(app)


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    app()
