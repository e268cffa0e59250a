"""Training-free ("zero-cost") metrics: one registered function per metric, each returning one float.

Importing :mod:`metrics` registers every metric module, so ``metrics.registry.names()`` lists them all.
"""

from metrics import registry as registry
