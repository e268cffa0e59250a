"""``python -m bench <app> [options]``: the command-line entry points, one per pipeline stage.

Apps: ``correlate`` and ``search`` (Hydra apps: ``key=value`` overrides, ``-m`` sweeps), ``report``,
``reference`` (``check`` / ``update`` the regression references), ``verify-cache`` (check a score cache's
files and checksums), ``rename-metric`` (migrate a score cache to a metric's new name), ``download`` (official data files) and
``nb101-tfrecord`` (convert the official NAS-Bench-101 tfrecord without TensorFlow).
"""

from __future__ import annotations

import importlib
import sys

APPS = {
    "correlate": "bench.apps.correlate",
    "search": "bench.apps.search",
    "report": "bench.apps.report",
    "nbsz-board": "bench.apps.nbsz_board",
    "reference": "bench.apps.reference",
    "verify-cache": "bench.apps.verify_cache",
    "rename-metric": "bench.core.score_migration",
    "download": "bench.core.download",
    "nb101-tfrecord": "bench.core.benchmarks.nb101.tfrecord",
}


def main(argv: list[str] | None = None) -> int:
    """Run the app named by the first argument with the remaining arguments; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in APPS:
        given = f"unknown app {args[0]!r}; " if args and args[0] not in ("-h", "--help") else ""
        print(f"usage: python -m bench <app> [options]; {given}apps: {', '.join(APPS)}", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    app, rest = args[0], args[1:]
    sys.argv = [f"bench {app}", *rest]  # Hydra and argparse read the app's own options from sys.argv
    status = importlib.import_module(APPS[app]).main()
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
