"""zcbench: training-free NAS benchmarks. Layers: :mod:`metrics` ← :mod:`bench.core` ← :mod:`search` ←
:mod:`bench.apps` (the command line: ``python -m bench <app>``)."""
