"""The benchmark core (layer 2, above :mod:`metrics`): benchmark spaces and their ground truth, image data,
the scoring engine and its cache, and statistics. Imports nothing from :mod:`search` or :mod:`bench.apps`."""
