"""Fetch the official benchmark and dataset files and lay them out the way the harness reads them.

``make data`` runs ``python -m bench download --dest "${NASBENCH_DATA:-data}"``: the destination is
``./data`` unless ``NASBENCH_DATA`` is set. The harness reads its data root from ``$NASBENCH_DATA`` or
the ``data_root`` config key (see :mod:`bench.core.paths`), so after downloading into ``./data`` run it
with ``NASBENCH_DATA=$PWD/data`` or ``data_root=$PWD/data``. The project's own compact tables and
960-image files (``nb201/``, ``nb101/*.csv.gz``, ``images/``) ship with the shared data folder and are
not fetched here; download into that folder (or copy them next to the downloads) to use both.

Command line: ``python -m bench download [--dest DIR] [--only NAME ...] [--timeout S]``.

The catalogue (:data:`CATALOGUE`), with what each entry becomes under the destination:

* ``cifar10``: ``cifar-10-python.tar.gz`` (md5 published on https://www.cs.toronto.edu/~kriz/cifar.html)
  → ``cifar-10-batches-py/``;
* ``cifar100``: ``cifar-100-python.tar.gz`` (md5 from the same page, as used by torchvision) → ``cifar-100-python/``;
* ``nb101``: ``nasbench_only108.tfrecord`` (SHA256 published in the google-research/nasbench README),
  converted by :func:`bench.core.benchmarks.nb101.tfrecord.convert` → ``nb101/nasbench101.parquet``;
* ``nats-tss``: ``NATS-tss-v1_0-3ffb9-simple.tar``. Its only official host is Google Drive, which cannot
  be fetched by a script: download it in a browser and save it in ``<dest>/downloads/``; the next run
  unpacks it → ``NATS-tss-v1_0-3ffb9-simple/``. No checksum of the tar is published.
* ``imagenet16``: ``Imagenet16_train.zip`` (downsampled ImageNet 16x16), behind a registration at
  https://image-net.org/download-images: save it in ``<dest>/downloads/``; the next run unzips it →
  ``Imagenet16_train/train_data_batch_{1..10}``, each pickle checked against the md5 listed in
  NAS-Bench-201's ``DownsampledImageNet.py`` (D-X-Y/AutoDL-Projects).

Every download goes to ``<dest>/downloads/NAME.part`` with a progress bar, resumes a partial ``.part``
with an HTTP Range request (also within one run, after a dropped connection), is checked against its
checksum (a mismatch deletes the ``.part`` and names the file, the expected and the actual digest) and
is renamed to ``<dest>/downloads/NAME`` only when complete. Archives are unpacked into a staging folder
beside the destination and moved into place in one rename, so a half-unpacked folder never looks
installed. Entries already in place are skipped; files already in ``downloads/`` are not fetched again.

Before the first download each host is probed with a short connect timeout (``--timeout``, default
5 s, DNS lookup included). The first failed probe means no network: nothing more is attempted and the
command fails within seconds, listing for every missing entry which file to download from where and
the exact path to save it at.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
import socket
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from urllib.parse import urlsplit

from tqdm import tqdm

ENV_VAR = "NASBENCH_DATA"
DEFAULT_DEST = "data"
DOWNLOADS = "downloads"
CONNECT_TIMEOUT = 5.0  # seconds allowed for the DNS lookup and the TCP connection of the probe
READ_TIMEOUT = 60.0  # seconds a running transfer may stall before it is retried
ATTEMPTS = 3  # transfers per file (each one resumes the previous .part)
RETRY_WAIT = 2.0  # seconds between attempts
CHUNK = 1 << 20
USER_AGENT = "zcbench-download/0.1 (python urllib)"

Unpack = Literal["tar", "zip", "nb101"]
Status = Literal["present", "installed", "manual", "offline", "failed"]


class DownloadError(RuntimeError):
    """A file could not be downloaded, verified or installed; the message names it."""


class ChecksumError(DownloadError):
    """A file's digest differs from the published one; the message names the file and both digests."""


class OfflineError(DownloadError):
    """A host could not be resolved or connected to within the connect timeout."""


class _ShortTransfer(DownloadError):
    """The server closed the connection before sending everything it announced (retried with Range)."""


@dataclass(frozen=True)
class Item:
    """One official file and what it becomes under the destination folder.

    Attributes:
        name: catalogue name (``--only`` choice).
        filename: file name as distributed; downloads go to ``<dest>/downloads/<filename>``.
        installs: path under the destination that the harness reads (a folder, or a file for ``nb101``).
        unpack: ``tar`` / ``zip`` (unpack, then move the folder holding ``markers`` to ``installs``) or
            ``nb101`` (convert the tfrecord to the parquet table ``installs``).
        url: direct download URL; ``None`` when the file can only be obtained by hand.
        checksum: ``(algorithm, hex digest)`` of the distributed file, ``None`` when none is published.
        source: where the file and its checksum are published, for the manual instructions.
        markers: files inside the ``installs`` folder that make an install complete.
        member_md5: md5 of files inside the installed folder, checked before it is moved into place.
    """

    name: str
    filename: str
    installs: str
    unpack: Unpack
    url: str | None
    checksum: tuple[str, str] | None
    source: str
    markers: tuple[str, ...] = ()
    member_md5: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


# Folder and file names below are the ones bench.core.batches, bench.core.benchmarks.nb201.nats and
# bench.core.benchmarks.nb101.groundtruth read (tests/test_download.py checks they agree).
CATALOGUE: tuple[Item, ...] = (
    Item(
        name="cifar10",
        filename="cifar-10-python.tar.gz",
        installs="cifar-10-batches-py",
        unpack="tar",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        checksum=("md5", "c58f30108f718f92721af3b95e74349a"),
        source="https://www.cs.toronto.edu/~kriz/cifar.html ('CIFAR-10 python version')",
        markers=tuple(f"data_batch_{i}" for i in range(1, 6)),
    ),
    Item(
        name="cifar100",
        filename="cifar-100-python.tar.gz",
        installs="cifar-100-python",
        unpack="tar",
        url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        checksum=("md5", "eb9058c3a382ffc7106e4002c42a8d85"),
        source="https://www.cs.toronto.edu/~kriz/cifar.html ('CIFAR-100 python version')",
        markers=("train", "test", "meta"),
    ),
    Item(
        name="nb101",
        filename="nasbench_only108.tfrecord",
        installs="nb101/nasbench101.parquet",
        unpack="nb101",
        url="https://storage.googleapis.com/nasbench/nasbench_only108.tfrecord",
        checksum=("sha256", "4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1"),
        source="https://github.com/google-research/nasbench ('Download the dataset', ~499 MB)",
    ),
    Item(
        name="nats-tss",
        filename="NATS-tss-v1_0-3ffb9-simple.tar",
        installs="NATS-tss-v1_0-3ffb9-simple",
        unpack="tar",
        url=None,
        checksum=None,
        source=(
            "Google Drive only, which needs a browser: "
            "https://drive.google.com/file/d/17_saCsj_krKjlCBLOJEpNtzPXArMCqxU/view (linked as 'archive (tss)' "
            "in 'Preparation and Download' of https://github.com/D-X-Y/NATS-Bench); no checksum is published"
        ),
        markers=("meta.pickle.pbz2", "000000.pickle.pbz2", "015624.pickle.pbz2"),
    ),
    Item(
        name="imagenet16",
        filename="Imagenet16_train.zip",
        installs="Imagenet16_train",
        unpack="zip",
        url=None,
        checksum=None,
        source=(
            "https://image-net.org/download-images after registering: 'Downsampled ImageNet' 16x16, "
            "training set (Chrabaszcz et al., 2017); the zip has no published checksum, its pickles are "
            "checked after unzipping"
        ),
        markers=tuple(f"train_data_batch_{i}" for i in range(1, 11)),
        member_md5=MappingProxyType(
            {
                "train_data_batch_1": "27846dcaa50de8e21a7d1a35f30f0e91",
                "train_data_batch_2": "c7254a054e0e795c69120a5727050e3f",
                "train_data_batch_3": "4333d3df2e5ffb114b05d2ffc19b1e87",
                "train_data_batch_4": "1620cdf193304f4a92677b695d70d10f",
                "train_data_batch_5": "348b3c2fdbb3940c4e9e834affd3b18d",
                "train_data_batch_6": "6e765307c242a1b3d7d5ef9139b48945",
                "train_data_batch_7": "564926d8cbf8fc4818ba23d2faac7564",
                "train_data_batch_8": "f4755871f718ccb653440b9dd0ebac66",
                "train_data_batch_9": "bb6dd660c38c58552125b1a92f86b5d4",
                "train_data_batch_10": "8f03f34ac4b42271a294f91bf480f29b",
            }
        ),
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What :func:`fetch` did with one item: ``status`` and a one-line ``detail``."""

    item: Item
    status: Status
    detail: str = ""


def default_dest() -> Path:
    """``$NASBENCH_DATA`` if set, else ``./data``."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DEST)


def is_installed(item: Item, dest: Path) -> bool:
    """Whether ``item`` is already in place under ``dest`` (its file, or every marker of its folder)."""
    target = dest / item.installs
    if not item.markers:
        return target.is_file()
    return all((target / marker).is_file() for marker in item.markers)


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of the file at ``path`` (``md5``, ``sha256``, ...)."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, checksum: tuple[str, str] | None, label: str) -> None:
    """Raise :class:`ChecksumError` naming ``label``, both digests and ``path`` if ``path`` does not match."""
    if checksum is None:
        return
    algorithm, expected = checksum
    actual = file_digest(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(f"{label}: {algorithm} mismatch for {path}: expected {expected}, got {actual}")


def _proxy_for(url: str) -> str | None:
    """The proxy URL urllib will use for ``url`` (from the *_proxy environment variables), if any."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy is None or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """``getaddrinfo`` bounded by ``timeout`` (the resolver's own retries can take far longer)."""
    result: list[list[tuple] | OSError] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            result.append(error)

    thread = threading.Thread(target=lookup, name=f"resolve-{host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        raise OfflineError(f"DNS lookup of {host} did not answer within {timeout:g} s")
    if isinstance(result[0], OSError):
        raise OfflineError(f"cannot resolve {host}: {result[0]}")
    return result[0]


def check_reachable(url: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Open (and close) a TCP connection to the host of ``url``, or to its proxy, within ``timeout`` seconds.

    Raises:
        OfflineError: if the name does not resolve or no address accepts a connection in time.
    """
    parts = urlsplit(_proxy_for(url) or url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + timeout
    errors = []
    for family, kind, proto, _, address in _resolve(host, port, timeout):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            with socket.socket(family, kind, proto) as probe:
                probe.settimeout(left)
                probe.connect(address)
            return
        except OSError as error:
            errors.append(f"{address[0]}: {error}")
    raise OfflineError(
        f"cannot connect to {host}:{port} within {timeout:g} s ({'; '.join(errors) or 'timed out'})"
    )


def _transfer(url: str, part: Path, read_timeout: float, label: str) -> None:
    """One request for ``url``, appending to ``part`` from its current size (Range) when it exists;
    ``label`` names the progress bar."""
    start = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=read_timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and start:  # nothing after `start`: the .part is already whole
            return
        raise
    with response:
        if start and response.status != 206:  # the server ignored the Range header: start again
            start = 0
        elif start:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {start}-"):
                raise DownloadError(
                    f"{url}: asked for bytes from {start}, got Content-Range {content_range!r}; "
                    f"delete {part} and retry"
                )
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        with (
            part.open("ab" if start else "wb") as out,
            tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024, desc=label) as bar,
        ):
            while chunk := response.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))
    if total is not None and part.stat().st_size < total:
        raise _ShortTransfer(f"{url}: connection closed after {part.stat().st_size} of {total} bytes")


def download(
    url: str,
    target: Path,
    checksum: tuple[str, str] | None = None,
    *,
    read_timeout: float = READ_TIMEOUT,
    attempts: int = ATTEMPTS,
    retry_wait: float = RETRY_WAIT,
) -> Path:
    """Download ``url`` to ``target`` through ``target.part``, resuming, verifying and renaming at the end.

    A dropped connection, a stalled read or a 5xx answer is retried up to ``attempts`` times in all,
    each retry resuming the ``.part`` with a Range request. On a checksum mismatch the ``.part`` is
    deleted (resuming it cannot repair it).

    Raises:
        ChecksumError: if the complete file does not match ``checksum``.
        DownloadError: on an HTTP error, or when every attempt failed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    for attempt in range(1, attempts + 1):
        try:
            _transfer(url, part, read_timeout, target.name)
            break
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == attempts:
                raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from error
            failure: Exception = error
        except (_ShortTransfer, urllib.error.URLError, http.client.HTTPException, OSError) as error:
            if attempt == attempts:
                raise DownloadError(
                    f"{url}: {error} (gave up after {attempts} attempts; the partial file {part} is kept "
                    "and the next run resumes it)"
                ) from error
            failure = error
        print(f"{target.name}: {failure}; resuming (attempt {attempt + 1} of {attempts})")
        time.sleep(retry_wait)
    try:
        verify(part, checksum, target.name)
    except ChecksumError as error:
        part.unlink()
        raise ChecksumError(f"{error}; deleted the download, run again to fetch it anew") from error
    os.replace(part, target)
    return target


def _folder_with(root: Path, markers: Sequence[str]) -> Path | None:
    """The folder under ``root`` (``root`` included) that holds every marker file, if any."""
    for hit in sorted(root.rglob(markers[0])):
        if all((hit.parent / marker).is_file() for marker in markers):
            return hit.parent
    return None


def unpack(archive: Path, item: Item, dest: Path) -> Path:
    """Unpack ``archive`` (tar or zip) and move the folder holding ``item.markers`` to ``dest/item.installs``.

    The archive is extracted into a staging folder inside ``dest`` and the folder is moved with one
    rename, so an interrupted unpack never leaves a complete-looking target.

    Raises:
        DownloadError: if the target exists but is incomplete, or the archive lacks the expected files.
        ChecksumError: if a file listed in ``item.member_md5`` has another md5.
    """
    target = dest / item.installs
    if target.exists():
        missing = [marker for marker in item.markers if not (target / marker).is_file()]
        raise DownloadError(
            f"{target} exists but is incomplete (missing {', '.join(missing)}); move it away and run again"
        )
    staging = Path(tempfile.mkdtemp(prefix=f".unpack-{item.name}-", dir=dest))
    try:
        if item.unpack == "tar":
            with tarfile.open(archive) as tar:
                tar.extractall(staging, filter="data")
        else:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(staging)
        folder = _folder_with(staging, item.markers)
        if folder is None:
            raise DownloadError(
                f"{archive} holds no folder with {', '.join(item.markers)}; is it {item.filename}?"
            )
        for member, md5 in item.member_md5.items():
            verify(folder / member, ("md5", md5), f"{item.installs}/{member} from {archive.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def convert_nb101(tfrecord: Path, item: Item, dest: Path) -> Path:
    """Convert the NB101 tfrecord to ``dest/item.installs`` (written to a ``.part`` file, then renamed)."""
    from bench.core.benchmarks.nb101.tfrecord import (
        convert,  # imports torch: only when there is something to convert
    )

    target = dest / item.installs
    part = target.with_name(target.name + ".part")
    print(f"converting {tfrecord} → {target} (a few minutes)")
    convert(tfrecord, part)
    os.replace(part, target)
    return target


def _install(archive: Path, item: Item, dest: Path) -> Path:
    if item.unpack == "nb101":
        return convert_nb101(archive, item, dest)
    return unpack(archive, item, dest)


def fetch(
    items: Sequence[Item],
    dest: Path,
    timeout: float = CONNECT_TIMEOUT,
    *,
    read_timeout: float = READ_TIMEOUT,
    attempts: int = ATTEMPTS,
    retry_wait: float = RETRY_WAIT,
) -> list[Outcome]:
    """Download, verify and install every item not yet under ``dest``; one :class:`Outcome` per item.

    Files already in ``dest/downloads/`` (fetched earlier, or saved there by hand) are installed
    without any network access. Each host is probed (:func:`check_reachable`) before its first
    download; after the first failed probe no further network access is attempted and the remaining
    downloads are reported as ``offline``. ``read_timeout``, ``attempts`` and ``retry_wait`` are
    passed on to :func:`download`.
    """
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    outcomes: list[Outcome] = []
    reachable: set[str] = set()
    offline = False
    for item in items:
        if is_installed(item, dest):
            outcomes.append(Outcome(item, "present", str(dest / item.installs)))
            continue
        archive = dest / DOWNLOADS / item.filename
        try:
            if archive.is_file():
                _verify_saved(archive, item)
            elif item.url is None:
                outcomes.append(Outcome(item, "manual", "needs a manual download"))
                continue
            elif offline:
                outcomes.append(Outcome(item, "offline", "not attempted: no network"))
                continue
            else:
                host = urlsplit(item.url).netloc
                if host not in reachable:
                    check_reachable(item.url, timeout)
                    reachable.add(host)
                download(
                    item.url,
                    archive,
                    item.checksum,
                    read_timeout=read_timeout,
                    attempts=attempts,
                    retry_wait=retry_wait,
                )
            outcomes.append(Outcome(item, "installed", str(_install(archive, item, dest))))
        except OfflineError as error:
            offline = True
            outcomes.append(Outcome(item, "offline", str(error)))
        except (DownloadError, OSError, tarfile.TarError, zipfile.BadZipFile, ValueError) as error:
            outcomes.append(Outcome(item, "failed", str(error)))
    return outcomes


def _verify_saved(archive: Path, item: Item) -> None:
    """Check a file found in ``downloads/`` (saved by hand, or by an earlier run) before installing it."""
    try:
        verify(archive, item.checksum, item.filename)
    except ChecksumError as error:
        raise ChecksumError(f"{error}; delete it and download it again") from error


def manual_instructions(item: Item, dest: Path) -> str:
    """How to obtain ``item`` by hand: from where, its checksum, and the exact path to save it at."""
    lines = [f"  {item.name}: {item.filename}"]
    if item.url is not None:
        lines.append(f"      download: {item.url}")
        lines.append(f"      listed at: {item.source}")
    else:
        lines.append(f"      download by hand: {item.source}")
    if item.checksum is not None:
        lines.append(f"      {item.checksum[0]}: {item.checksum[1]}")
    lines.append(f"      save it as: {(dest / DOWNLOADS / item.filename).resolve()}")
    action = "converted" if item.unpack == "nb101" else "unpacked"
    lines.append(f"      then run again: it is {action} to {(dest / item.installs).resolve()}")
    return "\n".join(lines)


def report(outcomes: Sequence[Outcome], dest: Path) -> str:
    """Human-readable summary: where every item is, and manual steps for what is missing."""
    root = dest.resolve()
    lines = [f"Data folder: {root}"]
    for outcome in outcomes:
        lines.append(f"  {outcome.item.name:<11} {outcome.status:<9} {outcome.detail}")
    missing = [outcome.item for outcome in outcomes if outcome.status not in ("present", "installed")]
    if any(outcome.status == "offline" for outcome in outcomes):
        lines.append("No network connection: nothing more was downloaded.")
    if missing:
        lines.append("To finish by hand, download each file below, save it at the path shown and run again:")
        lines.extend(manual_instructions(item, dest) for item in missing)
    if (root / DOWNLOADS).is_dir():
        lines.append(f"Downloaded files are kept in {root / DOWNLOADS} (safe to delete once installed).")
    lines.append(f"Point the harness at this folder with {ENV_VAR}={root} or data_root={root}.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; returns 0 when every requested item is in place (manual-only items are optional
    unless named with ``--only``), 1 otherwise."""
    names = [item.name for item in CATALOGUE]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help=f"destination folder (default: ${ENV_VAR}, else ./{DEFAULT_DEST})",
    )
    parser.add_argument(
        "--only", nargs="+", choices=names, metavar="NAME", help=f"subset of: {', '.join(names)}"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=CONNECT_TIMEOUT,
        help="connect timeout in seconds (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    dest = args.dest or default_dest()
    items = [item for item in CATALOGUE if args.only is None or item.name in args.only]
    outcomes = fetch(items, dest, args.timeout)
    print(report(outcomes, dest))
    required = [
        outcome
        for outcome in outcomes
        if outcome.status not in ("present", "installed") and (args.only or outcome.status != "manual")
    ]
    return 1 if required else 0
