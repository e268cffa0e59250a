"""``bench.core.download`` against a small HTTP server on 127.0.0.1 (with Range support and dropped
connections) and against a closed local port; no test touches the internet."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import pickle
import re
import socket
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.core import download as dl

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes: several reads, small enough to stay fast
TIMEOUTS = {"read_timeout": 5.0, "retry_wait": 0.0}


class FileServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` (path → bytes), logs ``(path, Range header)`` of every request, and can cut the
    first response (or every response) to a path after ``drop_after`` bytes."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RangeHandler)
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.drop_after: int | None = None
        self.drop_every_time = False
        self.ignore_range = False

    def url(self, path: str) -> str:
        """Address of ``path`` on this server."""
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """GET with single ``bytes=START-`` ranges (206 / 416), HTTP/1.0 so every response closes."""

    server: FileServer

    def do_GET(self) -> None:
        """Answer one request; see :class:`FileServer` for the knobs."""
        server = self.server
        requested = self.headers.get("Range")
        server.requests.append((self.path, requested))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if requested and not server.ignore_range:
            start = int(requested.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        data = body[start:]
        first = sum(path == self.path for path, _ in server.requests) == 1
        if server.drop_after is not None and (first or server.drop_every_time):
            data = data[: server.drop_after]  # then the handler returns and the connection closes
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to 127.0.0.1 directly whatever proxies the environment names."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def server() -> Iterator[FileServer]:
    """A running :class:`FileServer`, shut down after the test."""
    httpd = FileServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def digest(data: bytes, algorithm: str = "md5") -> str:
    return hashlib.new(algorithm, data).hexdigest()


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    """A tar archive (gzip-compressed by default) holding ``members`` (name → content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cifar10_pickle(label: int) -> bytes:
    """A two-image batch in the official CIFAR-10 python layout."""
    data = np.full((2, 3072), label, dtype=np.uint8)
    return pickle.dumps({b"data": data, b"labels": [label, label + 1]})


def test_download_verifies_checksum(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    for algorithm in ("md5", "sha256"):
        target = tmp_path / algorithm / "f.bin"
        result = dl.download(
            server.url("/f.bin"), target, (algorithm, digest(PAYLOAD, algorithm)), **TIMEOUTS
        )
        assert result == target and target.read_bytes() == PAYLOAD
        assert not target.with_name("f.bin.part").exists()


def test_checksum_mismatch_names_file_and_both_digests(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    target = tmp_path / "f.bin"
    wrong = "0" * 32
    with pytest.raises(dl.ChecksumError) as caught:
        dl.download(server.url("/f.bin"), target, ("md5", wrong), **TIMEOUTS)
    message = str(caught.value)
    assert "f.bin" in message and wrong in message and digest(PAYLOAD) in message
    assert not target.exists() and not target.with_name("f.bin.part").exists()


def test_dropped_connection_resumes_with_range(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    server.drop_after = 1000
    target = tmp_path / "f.bin"
    dl.download(server.url("/f.bin"), target, ("sha256", digest(PAYLOAD, "sha256")), **TIMEOUTS)
    assert target.read_bytes() == PAYLOAD
    assert server.requests == [("/f.bin", None), ("/f.bin", "bytes=1000-")]


def test_partial_file_from_an_earlier_run_is_resumed(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    target = tmp_path / "f.bin"
    target.with_name("f.bin.part").write_bytes(PAYLOAD[:5000])
    dl.download(server.url("/f.bin"), target, ("md5", digest(PAYLOAD)), **TIMEOUTS)
    assert target.read_bytes() == PAYLOAD
    assert server.requests == [("/f.bin", "bytes=5000-")]


def test_server_ignoring_range_restarts_from_zero(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    server.ignore_range = True
    target = tmp_path / "f.bin"
    target.with_name("f.bin.part").write_bytes(PAYLOAD[:5000])
    dl.download(server.url("/f.bin"), target, ("md5", digest(PAYLOAD)), **TIMEOUTS)
    assert target.read_bytes() == PAYLOAD


def test_complete_part_answered_416_is_verified_and_kept(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    target = tmp_path / "f.bin"
    target.with_name("f.bin.part").write_bytes(PAYLOAD)
    dl.download(server.url("/f.bin"), target, ("md5", digest(PAYLOAD)), **TIMEOUTS)
    assert target.read_bytes() == PAYLOAD


def test_gives_up_after_the_attempts_and_keeps_the_part(server: FileServer, tmp_path: Path) -> None:
    server.files["/f.bin"] = PAYLOAD
    server.drop_after, server.drop_every_time = 1000, True
    target = tmp_path / "f.bin"
    with pytest.raises(dl.DownloadError, match="gave up after 2 attempts"):
        dl.download(server.url("/f.bin"), target, attempts=2, **TIMEOUTS)
    assert target.with_name("f.bin.part").read_bytes() == PAYLOAD[:2000]
    assert len(server.requests) == 2


def test_http_404_is_not_retried(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(dl.DownloadError, match="HTTP 404"):
        dl.download(server.url("/missing"), tmp_path / "missing", **TIMEOUTS)
    assert len(server.requests) == 1


def test_fetch_downloads_unpacks_and_the_harness_reads_it(server: FileServer, tmp_path: Path) -> None:
    from bench.core.batches import load_pool

    members = {f"cifar-10-batches-py/data_batch_{i}": cifar10_pickle(i) for i in range(1, 6)}
    archive = tar_bytes({**members, "cifar-10-batches-py/readme.html": b"<html/>"})
    server.files["/cifar-10-python.tar.gz"] = archive
    item = dl.Item(
        name="cifar10",
        filename="cifar-10-python.tar.gz",
        installs="cifar-10-batches-py",
        unpack="tar",
        url=server.url("/cifar-10-python.tar.gz"),
        checksum=("md5", digest(archive)),
        source="test",
        markers=tuple(f"data_batch_{i}" for i in range(1, 6)),
    )
    dest = tmp_path / "data"
    [outcome] = dl.fetch([item], dest, timeout=2, **TIMEOUTS)
    assert outcome.status == "installed", outcome.detail
    images, labels = load_pool("cifar10", dest, "native")
    assert images.shape == (10, 32, 32, 3) and labels.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert (dest / "downloads" / "cifar-10-python.tar.gz").read_bytes() == archive
    assert sorted(path.name for path in dest.iterdir()) == ["cifar-10-batches-py", "downloads"]

    [again] = dl.fetch([item], dest, timeout=2, **TIMEOUTS)
    assert again.status == "present" and len(server.requests) == 1


def test_manually_saved_tar_is_unpacked_without_network(tmp_path: Path) -> None:
    from bench.core.benchmarks.nb201.nats import ARCHIVE_NAME

    item = next(item for item in dl.CATALOGUE if item.name == "nats-tss")
    dest = tmp_path / "data"
    (dest / "downloads").mkdir(parents=True)
    members = {f"{ARCHIVE_NAME}/{marker}": b"x" for marker in item.markers}
    (dest / "downloads" / item.filename).write_bytes(tar_bytes(members, mode="w"))
    [outcome] = dl.fetch([item], dest)
    assert outcome.status == "installed"
    assert dl.is_installed(item, dest) and (dest / ARCHIVE_NAME / "meta.pickle.pbz2").is_file()


def test_flat_zip_is_unpacked_into_its_folder_and_members_checked(tmp_path: Path) -> None:
    contents = {"train_data_batch_1": b"one", "train_data_batch_2": b"two"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, content in contents.items():
            zipped.writestr(name, content)
    good = dl.Item(
        name="imagenet16",
        filename="Imagenet16_train.zip",
        installs="Imagenet16_train",
        unpack="zip",
        url=None,
        checksum=None,
        source="test",
        markers=tuple(contents),
        member_md5={name: digest(content) for name, content in contents.items()},
    )
    bad = dataclasses.replace(good, member_md5={"train_data_batch_2": "f" * 32})
    dest = tmp_path / "data"
    (dest / "downloads").mkdir(parents=True)
    (dest / "downloads" / good.filename).write_bytes(buffer.getvalue())

    [failed] = dl.fetch([bad], dest)
    assert failed.status == "failed"
    assert (
        "train_data_batch_2" in failed.detail
        and "f" * 32 in failed.detail
        and digest(b"two") in failed.detail
    )
    assert not (dest / "Imagenet16_train").exists()

    [outcome] = dl.fetch([good], dest)
    assert outcome.status == "installed"
    assert (dest / "Imagenet16_train" / "train_data_batch_2").read_bytes() == b"two"
    assert not list(dest.glob(".unpack-*"))


def test_tar_escaping_the_destination_is_refused(tmp_path: Path) -> None:
    item = dl.Item("evil", "evil.tar", "evil", "tar", None, None, "test", markers=("a",))
    dest = tmp_path / "data"
    (dest / "downloads").mkdir(parents=True)
    (dest / "downloads" / "evil.tar").write_bytes(tar_bytes({"../outside": b"x", "evil/a": b"a"}, mode="w"))
    [outcome] = dl.fetch([item], dest)
    assert outcome.status == "failed"
    assert not (tmp_path / "outside").exists() and not (dest / "evil").exists()


def test_nb101_tfrecord_is_converted_to_the_parquet_table(tmp_path: Path) -> None:
    from bench.core.benchmarks.nb101.tfrecord import EvaluationData, ModelMetrics, NB101Record, write_nb101

    final = EvaluationData(108.0, 1000.0, 1.0, 0.9, 0.89, "")
    records = [
        NB101Record("0" * 32, 108, "0110000100010000", "input,conv3x3-bn-relu,maxpool3x3,output", metrics)
        for metrics in (ModelMetrics((final,), 1000, 1030.0),) * 3
    ]
    dest = tmp_path / "data"
    tfrecord = dest / "downloads" / "nasbench_only108.tfrecord"
    tfrecord.parent.mkdir(parents=True)
    write_nb101(tfrecord, records)
    item = dl.Item(
        "nb101",
        tfrecord.name,
        "nb101/nasbench101.parquet",
        "nb101",
        None,
        ("sha256", digest(tfrecord.read_bytes(), "sha256")),
        "test",
    )
    [outcome] = dl.fetch([item], dest)
    assert outcome.status == "installed", outcome.detail
    table = pd.read_parquet(dest / "nb101" / "nasbench101.parquet")
    assert table.num_runs.tolist() == [3] and table.valid_acc.tolist() == pytest.approx([90.0])


def test_offline_fails_in_seconds_with_manual_instructions(tmp_path: Path) -> None:
    port = closed_port()
    items = [
        dl.Item(
            "one", "one.tar.gz", "one", "tar", f"http://127.0.0.1:{port}/one.tar.gz", ("md5", "a" * 32), "s"
        ),
        dl.Item("two", "two.tfrecord", "two.parquet", "nb101", f"http://127.0.0.1:{port}/two", None, "s"),
        dl.Item("three", "three.zip", "three", "zip", None, None, "a web page", markers=("x",)),
    ]
    dest = tmp_path / "data"
    started = time.monotonic()
    outcomes = dl.fetch(items, dest, timeout=2)
    assert time.monotonic() - started < 5
    assert [outcome.status for outcome in outcomes] == ["offline", "offline", "manual"]
    text = dl.report(outcomes, dest)
    for item in items:
        assert str((dest / "downloads" / item.filename).resolve()) in text
    assert f"http://127.0.0.1:{port}/one.tar.gz" in text and "a" * 32 in text and "a web page" in text


def test_main_offline_exit_code_and_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/one.tar.gz"
    catalogue = (
        dl.Item("one", "one.tar.gz", "one", "tar", url, None, "s", markers=("x",)),
        dl.Item("manual", "m.zip", "m", "zip", None, None, "by hand", markers=("x",)),
    )
    monkeypatch.setattr(dl, "CATALOGUE", catalogue)
    dest = tmp_path / "data"
    assert dl.main(["--dest", str(dest), "--timeout", "2"]) == 1
    out = capsys.readouterr().out
    assert "No network connection" in out and str((dest / "downloads" / "one.tar.gz").resolve()) in out

    (dest / "one").mkdir()
    (dest / "one" / "x").write_bytes(b"")
    assert dl.main(["--dest", str(dest)]) == 0  # only the optional manual item is missing
    assert dl.main(["--dest", str(dest), "--only", "manual"]) == 1  # ...unless asked for by name


def test_catalogue_matches_the_harness_layout() -> None:
    from bench.core.benchmarks.nb101.groundtruth import PARQUET_TABLE
    from bench.core.benchmarks.nb201.nats import ARCHIVE_NAME, META_FILE

    items = {item.name: item for item in dl.CATALOGUE}
    assert items["nats-tss"].installs == ARCHIVE_NAME and META_FILE in items["nats-tss"].markers
    assert items["nb101"].installs == PARQUET_TABLE
    assert set(items["imagenet16"].member_md5) == set(items["imagenet16"].markers)
    for item in dl.CATALOGUE:
        assert item.url is None or item.url.startswith("https://")
        if item.checksum is not None:
            algorithm, hexdigest = item.checksum
            hex_length = 2 * hashlib.new(algorithm).digest_size  # md5: 32, sha256: 64 hex digits
            assert re.fullmatch(f"[0-9a-f]{{{hex_length}}}", hexdigest), (item.name, algorithm, hexdigest)
        for member, md5 in item.member_md5.items():
            assert re.fullmatch("[0-9a-f]{32}", md5), (item.name, member, md5)
