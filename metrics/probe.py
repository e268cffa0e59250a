"""What a metric sees: one network, one mini-batch, a seed, private network copies and shared passes.

The caller's network is never mutated: a metric asks the probe for a private copy configured as its
spec says (BatchNorm kept or bypassed, float32 or float64). Passes that several metrics need (for
example one cross-entropy forward/backward) are computed once per probe and cached here.
"""

from __future__ import annotations

import contextlib
import copy
import zlib
from collections.abc import Iterator

import torch
from torch import nn

from bench.batches import Batch


def bypass_batchnorm(net: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer of ``net`` (in place) by ``nn.Identity``; returns ``net``."""
    for parent in list(net.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, child_name, nn.Identity())
    return net


class Probe:
    """One network and one batch, as seen by the metrics.

    Args:
        net: the caller's network (left untouched; metrics work on copies).
        batch: the mini-batch of images and labels.
        seed: base seed; each metric runs under ``torch.manual_seed`` derived from it and the metric
            name, so a metric's value does not depend on which other metrics ran before it.
    """

    def __init__(self, net: nn.Module, batch: Batch, seed: int = 0) -> None:
        self._net = net
        self.batch = batch
        self.seed = seed
        self._shared: dict[str, object] = {}

    @property
    def device(self) -> torch.device:
        return next(self._net.parameters()).device

    def copy(self, bn: bool = True, dtype: torch.dtype = torch.float32) -> nn.Module:
        """A fresh deep copy of the network in train mode, with BatchNorm kept or bypassed, in ``dtype``."""
        net = copy.deepcopy(self._net)
        if not bn:
            bypass_batchnorm(net)
        return net.to(dtype=dtype).train()

    def inputs(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The batch images on the network's device, in ``dtype``."""
        return self.batch.images.to(self.device, dtype=dtype)

    def labels(self) -> torch.Tensor:
        """The batch labels on the network's device."""
        return self.batch.labels.to(self.device)

    @contextlib.contextmanager
    def seeded(self, name: str) -> Iterator[None]:
        """Run a block under a torch RNG state fixed by (seed, name), restoring the global state after."""
        state = torch.random.get_rng_state()
        torch.manual_seed((self.seed * 1_000_003 + zlib.crc32(name.encode())) % (2**63))
        try:
            yield
        finally:
            torch.random.set_rng_state(state)
