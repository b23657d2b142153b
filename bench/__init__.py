"""Benchmarks for mediawatch; run them with ``make bench`` (``python -m bench.run``).

Timing lives here, never in the test suite. See docs/benchmarks.md for what is measured and why.
"""
