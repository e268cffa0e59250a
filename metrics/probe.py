"""What a metric sees: one network, one mini-batch, a seed, private network copies and shared passes.

The caller's network is never mutated: a metric asks the probe for a private copy configured as its
spec says (BatchNorm kept or bypassed, float32 or float64). Passes that several metrics need are
computed once per probe and cached here: :meth:`Probe.cross_entropy_pass` (the batch's loss:
cross-entropy except on a task that trains with another, :attr:`metrics.batch.Batch.loss`) serves grad_norm,
snip, plain, fisher, nasi and GraSP: when GraSP is among the selected metrics the pass keeps its autograd
graph, and GraSP's Hessian-gradient product differentiates the pass's own gradients instead of running a
second forward/backward (see :meth:`Probe.take_cross_entropy_graph`).
"""

from __future__ import annotations

import contextlib
import copy
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from metrics.batch import Batch
from metrics.losses import loss_function

T = TypeVar("T")
BNOverride = Literal["train", "bypass"]

PRUNABLE = (nn.Conv2d, nn.Linear)
"""The layer types whose weights the pruning-at-init metrics (foresight) score."""


def bypass_batchnorm(net: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer of ``net`` (in place) by ``nn.Identity``; returns ``net``."""
    for parent in list(net.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, child_name, nn.Identity())
    return net


def prunable_layers(net: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every ``nn.Conv2d`` / ``nn.Linear`` of ``net`` with its qualified name, in ``net.modules()`` order."""
    return [(name, module) for name, module in net.named_modules() if isinstance(module, PRUNABLE)]


def logits(output: object) -> torch.Tensor:
    """The logits of a network output: the tensor itself, or the last element of a tuple/list.

    xautodl-style networks return ``(features, logits)``; the project's networks return logits.
    """
    if isinstance(output, tuple | list):
        output = output[-1]
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"network output is {type(output).__name__}, expected a logits tensor")
    return output


@dataclass(frozen=True)
class LayerCall:
    """One forward call of a hooked layer: its ``index`` in the hooked list, first input and output."""

    index: int
    inputs: torch.Tensor
    output: torch.Tensor
    version: int

    @property
    def modified_in_place(self) -> bool:
        """Whether the output was modified in place after the call (e.g. by ``ReLU(inplace=True)``).

        Its value and its gradient are then no longer those of the layer output.
        """
        return self.output._version != self.version


@contextlib.contextmanager
def record_calls(modules: Sequence[nn.Module]) -> Iterator[list[LayerCall]]:
    """Record every forward call of ``modules`` (input and output, graph kept) while the block runs.

    The forward hooks are removed when the block exits, whatever happens inside it.
    """
    calls: list[LayerCall] = []

    def hook_for(index: int) -> Callable[[nn.Module, tuple[object, ...], object], None]:
        def hook(module: nn.Module, args: tuple[object, ...], output: object) -> None:
            if not isinstance(output, torch.Tensor) or not isinstance(args[0], torch.Tensor):
                raise TypeError(f"{type(module).__name__} call without a tensor input/output")
            calls.append(LayerCall(index, args[0], output, output._version))

        return hook

    handles = [module.register_forward_hook(hook_for(i)) for i, module in enumerate(modules)]
    try:
        yield calls
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class LayerGradient:
    """One Conv2d/Linear layer after the shared loss pass.

    Attributes:
        name: qualified module name in the network.
        weight: the layer weight (detached).
        grad: dL/dW of the mean loss L (cross-entropy on the classification benchmarks); ``None`` if the
            layer gets no gradient.
        channel_products: per forward call, an (N, C_out) tensor: for each sample and output
            channel, the sum over spatial positions of (layer output ⊙ dL/d output). Empty if the
            layer never ran or its output does not reach the loss.
        output_modified_in_place: a call's output was overwritten in place by a later op, so
            ``channel_products`` are not available for this layer.
    """

    name: str
    weight: torch.Tensor
    grad: torch.Tensor | None
    channel_products: tuple[torch.Tensor, ...]
    output_modified_in_place: bool


@dataclass(frozen=True)
class CrossEntropyPass:
    """One forward/backward of the batch's mean loss (cross-entropy unless :attr:`Batch.loss` names another) on
    a private float32 copy, BatchNorm in train mode.

    (A ``bn="bypass"`` override of the probe bypasses BatchNorm here too.)

    Attributes:
        layers: every Conv2d/Linear layer, in ``net.modules()`` order (gradients detached).
        parameter_grads: dL/dθ of every parameter that gets a gradient, in ``net.parameters()`` order.
        loss: the mean loss value (cross-entropy: nats).
    """

    layers: tuple[LayerGradient, ...]
    parameter_grads: tuple[torch.Tensor, ...]
    loss: float


GraphGradients = tuple[torch.Tensor | None, ...]
"""dL/dW per Conv2d/Linear layer (``prunable_layers`` order; ``None`` where no gradient), still attached
to the autograd graph of their pass, so that they can be differentiated again with respect to the weights."""


def cross_entropy_pass(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    keep_graph: bool = False,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
) -> tuple[CrossEntropyPass, GraphGradients | None]:
    """Run one forward/backward of the mean ``loss_fn`` (cross-entropy of class labels by default; the batch's own
    loss, :mod:`metrics.losses`) on ``net`` (a private copy: parameters get requires_grad).

    Uses ``torch.autograd.grad`` (no ``.grad`` fields) with respect to every parameter and every
    Conv2d/Linear output; the layer outputs are captured with forward hooks removed after use.
    Outputs overwritten in place later in the forward pass are left out (flagged per layer).

    Returns the pass and, with ``keep_graph``, the Conv2d/Linear weight gradients still on their graph
    (``create_graph=True``: the same values bit for bit), else ``None``. Keeping the graph lets GraSP's
    Hessian-gradient product reuse this pass instead of a second forward/backward: on 6 NB201 CIFAR-100
    networks (batch 64, 1 thread) the 11 full-space metrics went from 7.0 to 5.8 s per architecture, values
    bit-identical; the graph costs memory until GraSP has used it and ≈7% more time in this pass.
    """
    params = list(net.parameters())
    for param in params:
        param.requires_grad_(True)
    layers = prunable_layers(net)
    with record_calls([module for _, module in layers]) as calls:
        loss = loss_fn(logits(net(inputs)), targets)
    intact = [call for call in calls if not call.modified_in_place]
    grads = torch.autograd.grad(
        loss, params + [call.output for call in intact], allow_unused=True, create_graph=keep_graph
    )
    graph_grads = None
    if keep_graph:
        graph_grad_of = {id(param): grad for param, grad in zip(params, grads[: len(params)], strict=True)}
        graph_grads = tuple(graph_grad_of[id(module.weight)] for _, module in layers)
        grads = tuple(grad.detach() if grad is not None else None for grad in grads)
    param_grads, output_grads = grads[: len(params)], grads[len(params) :]
    grad_of = {id(param): grad for param, grad in zip(params, param_grads, strict=True)}
    products: list[list[torch.Tensor]] = [[] for _ in layers]
    for call, output_grad in zip(intact, output_grads, strict=True):
        if output_grad is not None:
            product = call.output.detach() * output_grad
            if product.dim() > 2:
                product = product.sum(dim=tuple(range(2, product.dim())))
            products[call.index].append(product)
    modified = {call.index for call in calls if call.modified_in_place}
    shared_pass = CrossEntropyPass(
        layers=tuple(
            LayerGradient(
                name, module.weight.detach(), grad_of[id(module.weight)], tuple(products[i]), i in modified
            )
            for i, (name, module) in enumerate(layers)
        ),
        parameter_grads=tuple(grad for grad in param_grads if grad is not None),
        loss=float(loss.detach()),
    )
    return shared_pass, graph_grads


class Probe:
    """One network and one batch, as seen by the metrics.

    Args:
        net: the caller's network (left untouched; metrics work on copies).
        batch: the mini-batch of images and labels.
        seed: base seed; each metric runs under ``torch.manual_seed`` derived from it and the metric
            name, so a metric's value does not depend on which other metrics ran before it.
        bn: ``None`` to let each metric choose (its declared BN mode), or ``train`` / ``bypass`` to
            force every private copy to keep BatchNorm (batch statistics) or replace it by identity.
    """

    def __init__(self, net: nn.Module, batch: Batch, seed: int = 0, bn: BNOverride | None = None) -> None:
        if bn not in (None, "train", "bypass"):
            raise ValueError(f"unknown bn override {bn!r}; valid choices: None, train, bypass")
        self._net = net
        self.batch = batch
        self.seed = seed
        self.bn_override = bn
        self.keep_cross_entropy_graph = False
        """Whether :meth:`cross_entropy_pass` keeps its graph for :meth:`take_cross_entropy_graph`
        (set by ``registry.evaluate`` when a selected metric is declared ``second_order``)."""
        self._shared: dict[str, object] = {}
        self._cross_entropy_graph: GraphGradients | None = None

    @property
    def device(self) -> torch.device:
        return next(self._net.parameters()).device

    def copy(self, bn: bool = True, dtype: torch.dtype = torch.float32) -> nn.Module:
        """A fresh deep copy of the network in train mode, with BatchNorm kept or bypassed, in ``dtype``.

        A ``bn`` override given to the probe takes precedence over the ``bn`` argument.
        """
        keep_bn = bn if self.bn_override is None else self.bn_override == "train"
        net = copy.deepcopy(self._net)
        if not keep_bn:
            bypass_batchnorm(net)
        return net.to(dtype=dtype).train()

    def network(self) -> nn.Module:
        """One private copy shared by the metrics that only *read* the network (float32, train mode).

        BatchNorm is kept (unless the probe's ``bn`` override bypasses it), as in ``copy(bn=True)``.
        Contract for a metric that uses it: run forward passes and ``torch.autograd.grad`` (never
        ``.backward()``, which would leave ``.grad`` fields), attach only hooks it removes, and never
        change a parameter value, the module structure, the dtype or the mode. Forwards update the
        BatchNorm running statistics, which train mode never reads. A metric that changes the network
        (synflow's |W|, zen's re-initialisation, zico's ``.backward()``) takes its own :meth:`copy`.
        Sharing saves one deep copy per metric (≈0.1 s for an NB201 network) without changing a value.
        """
        return self.shared("network", lambda: self.copy(bn=True))

    def inputs(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The batch images on the network's device, in ``dtype``."""
        return self.batch.images.to(self.device, dtype=dtype)

    def labels(self) -> torch.Tensor:
        """The batch's class labels on the network's device; ``ValueError`` if it has none (``num_classes`` 0)."""
        if self.batch.num_classes == 0:
            raise ValueError(f"the batch has no class labels ({self.batch.description})")
        return self.batch.labels.to(self.device)

    def loss_targets(self) -> torch.Tensor:
        """The targets of the batch's loss (:attr:`Batch.loss_targets`: the labels on the classification
        benchmarks) on the network's device."""
        return self.batch.loss_targets.to(self.device)

    def loss(self, output: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The batch's loss (:attr:`Batch.loss`, :mod:`metrics.losses`; cross-entropy on the classification
        benchmarks) of a network ``output`` (logits) against ``targets`` (a slice of :meth:`loss_targets`)."""
        return loss_function(self.batch.loss)(output, targets)

    @contextlib.contextmanager
    def seeded(self, name: str) -> Iterator[None]:
        """Run a block under a torch RNG state fixed by (seed, name), restoring the global state after."""
        state = torch.random.get_rng_state()
        torch.manual_seed((self.seed * 1_000_003 + zlib.crc32(name.encode())) % (2**63))
        try:
            yield
        finally:
            torch.random.set_rng_state(state)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per probe and ``key`` (under a seed fixed by ``key``), then the cached value."""
        if key not in self._shared:
            with self.seeded(key):
                self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    def cross_entropy_pass(self) -> CrossEntropyPass:
        """The shared forward/backward of the batch's mean loss (BN kept, float32), computed once."""

        def compute() -> CrossEntropyPass:
            shared, self._cross_entropy_graph = cross_entropy_pass(
                self.network(), self.inputs(), self.loss_targets(), self.keep_cross_entropy_graph, self.loss
            )
            return shared

        return self.shared("cross_entropy_pass", compute)

    def take_cross_entropy_graph(self) -> GraphGradients:
        """The shared loss pass's weight gradients on their graph, handed over once.

        They come from the shared pass when it kept its graph (:attr:`keep_cross_entropy_graph`); the
        probe then drops its reference, so the graph is freed as soon as the caller is done with it (an
        NB101 network's graph can take gigabytes). Otherwise (graph not kept, or already taken) a fresh
        pass on the same shared network and batch computes them: the same values, one more forward/backward.
        """
        self.cross_entropy_pass()
        grads, self._cross_entropy_graph = self._cross_entropy_graph, None
        if grads is None:
            with self.seeded("cross_entropy_pass"):
                _, grads = cross_entropy_pass(
                    self.network(), self.inputs(), self.loss_targets(), True, self.loss
                )
        assert grads is not None
        return grads
