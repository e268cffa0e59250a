"""Benchmark spaces, ground truth, image batches, the scoring engine and the Hydra apps."""
