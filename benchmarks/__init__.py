"""Benchmarks: speed and size measured on this machine, written to docs/benchmarks.md.

Run with ``make bench`` (all) or ``python -m benchmarks NAME …``. Never part of ``make test``.
"""
