"""Benchmarks and evaluations (see docs/benchmarks.md)."""
