"""Benchmarks: each module runs as `.venv/bin/python -m bench.<name>` and prints figures and ratios."""
