"""search.cached_scores: searches of one process share the scores read from an engine, with the same values."""

from pathlib import Path

import numpy as np

from bench.core.benchmarks.nb201.space import NB201Space
from bench.core.scoring import ScoringOptions
from search.cached_scores import EngineScores


def test_searches_on_one_engine_read_each_architecture_once(
    nb201_space: NB201Space, root: Path, tmp_path: Path
) -> None:
    engine = ScoringOptions(device="cpu").engine(nb201_space, "cifar10", tmp_path, root, progress=False)
    asked: list[list[int]] = []
    ensure = engine.ensure

    def recording_ensure(indices: list[int], metric_names: list[str], shard: tuple[int, int] = (0, 1)) -> int:
        asked.append(sorted(int(i) for i in indices))
        return ensure(indices, metric_names, shard)

    engine.ensure = recording_ensure
    first = EngineScores(engine, ["params"])
    values, seconds = first.get("params", [3, 1, 3])
    assert asked == [[1, 3]] and values[0] == values[2] and np.isfinite(values).all()
    second = EngineScores(engine, ["params"])  # another seed of the same preset
    again, again_seconds = second.get("params", [1, 3, 5])
    assert asked == [[1, 3], [5]]  # 1 and 3 were read by the first search
    assert again[:2].tolist() == [values[1], values[0]] and again_seconds[1] == seconds[0]
    table = engine.table([1, 3, 5], ["params"])
    assert np.array_equal(again, table["params"].to_numpy(dtype=float))
    EngineScores(engine, ["flops", "params"]).get("params", [1])  # another metric list reads for itself
    assert asked[-1] == [1]
