"""PyTorch networks of the benchmark spaces, written in this project."""
