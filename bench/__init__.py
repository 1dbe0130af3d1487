"""Benchmarks (not tests): run `python bench/run.py` or `python -m bench.<name>`."""
