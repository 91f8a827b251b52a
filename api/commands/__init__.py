"""CLI subcommands: each module exposes register(app) and adds its commands to the typer app."""
