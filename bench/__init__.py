"""Benchmarks: each measures a candidate against a baseline in the same run and prints the ratio.

Timings are noisy on shared machines, so runs alternate baseline and candidate and
report medians with min–max. Nothing here is asserted in the test suite.
"""
