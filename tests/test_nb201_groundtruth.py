"""NB201 ground truth from the real table: optima, columns, clear errors."""

from __future__ import annotations

import pytest

from bench.core.benchmarks.nb201.table import NB201TableGroundTruth
from bench.core.groundtruth import column
from bench.core.paths import DataFileError, data_root


@pytest.mark.parametrize(
    ("dataset", "index", "best"),
    [("cifar10", 6111, 94.37), ("cifar100", 9930, 73.51), ("ImageNet16-120", 857, 47.31)],
)
def test_optima(nb201_truth, dataset: str, index: int, best: float) -> None:
    test = nb201_truth.frame(dataset)["test_acc_200ep"]
    assert test.idxmax() == index
    assert test.max() == pytest.approx(best, abs=0.005)


def test_frames_have_explicit_columns(nb201_truth) -> None:
    cifar10 = nb201_truth.frame("cifar10")
    assert {"valid_acc_12ep", "test_acc_200ep", "train_seconds_12ep", "params_M"} <= set(cifar10.columns)
    assert "valid_acc_200ep" not in cifar10.columns  # not available for cifar10-valid at 200 epochs
    assert cifar10["valid_acc_12ep"].max() == pytest.approx(84.89, abs=0.01)  # cifar10-valid split
    assert (cifar10["train_seconds_12ep"] > 0).all()


def test_unknown_column_and_dataset(nb201_truth) -> None:
    with pytest.raises(ValueError, match="valid: "):
        column(nb201_truth, "cifar10", "test_acc_108ep")
    with pytest.raises(ValueError, match="valid choices: cifar10, cifar100, ImageNet16-120"):
        nb201_truth.frame("imagenet")


def test_missing_data_file_error_names_file_and_place(tmp_path) -> None:
    with pytest.raises(DataFileError) as info:
        NB201TableGroundTruth(tmp_path)
    message = str(info.value)
    assert "nb201/nb201_merged.csv.gz" in message and str(tmp_path) in message


def test_data_root_from_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path / "absent"))
    with pytest.raises(DataFileError, match="NASBENCH_DATA"):
        data_root()
    assert data_root(tmp_path) == tmp_path
