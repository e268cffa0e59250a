"""Ground truth of benchmark spaces: accuracies, training times and parameter counts per architecture."""
