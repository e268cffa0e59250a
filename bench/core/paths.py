"""Where benchmark data lives, and one clear error when a file is missing.

The data root is chosen, in order, from: an explicit argument (the ``data_root`` config key), the
``NASBENCH_DATA`` environment variable, and the ``shared/data`` folder beside the checkout
(``../shared/data`` relative to the repository root).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NASBENCH_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]
SIBLING_DATA = REPO_ROOT.parent / "shared" / "data"


class DataFileError(FileNotFoundError):
    """A benchmark or image file the harness needs is missing or unreadable.

    The message names the file expected, where it was looked for, and how to obtain it.
    """


def data_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data root folder, from ``explicit``, ``$NASBENCH_DATA`` or ``../shared/data``.

    Raises:
        DataFileError: if no candidate exists.
    """
    candidates: list[tuple[str, Path]] = []
    if explicit not in (None, ""):
        candidates.append(("data_root config key", Path(explicit).expanduser()))
    elif os.environ.get(ENV_VAR):
        candidates.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    else:
        candidates.append(("default beside the checkout", SIBLING_DATA))
    source, path = candidates[0]
    if not path.is_dir():
        raise DataFileError(
            f"data root {path} (from {source}) is not a folder. Set data_root=... on the command line or "
            f"the {ENV_VAR} environment variable to the folder holding nb201/, nb101/ and images/."
        )
    return path


def require_file(root: Path, relative: str, how_to_obtain: str) -> Path:
    """Return ``root / relative`` if it is a file; otherwise raise one readable :class:`DataFileError`."""
    path = root / relative
    if not path.is_file():
        raise DataFileError(
            f"missing data file '{relative}': looked for {path} (data root {root}). {how_to_obtain}"
        )
    return path
