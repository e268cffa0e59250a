"""Training-free ("zero-cost") metrics: one registered function per metric, each returning one float.

The registry (:mod:`metrics.registry`) imports every metric module of this package on first use
(``names()``, ``get()``, ``resolve()``), so all built-in metrics are known without importing them by hand;
plug-in metrics register when their module is imported (:func:`bench.load_plugins`).
"""

from metrics import registry as registry
