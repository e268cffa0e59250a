"""Benchmark search spaces: architectures as small frozen values, enumeration, sampling and networks."""
