"""VKDNW (Týbl & Neumann, CVPR 2025): entropy of the spectrum of the Fisher information of a few weights.

The network is re-initialised (Kaiming-normal fan-in), put in eval mode with fresh BatchNorm statistics, and fed
Gaussian noise of the batch's shape (no labels: the network's own predictive distribution). A subset of weights θ is
chosen: ``entries`` evenly spaced entries of each of the first ``tensors`` parameter tensors (``named_parameters``
order). Per sample n, the Jacobian J_n (K logits × P chosen weights) comes from ``torch.func`` (``vmap`` of
``jacrev`` of a ``functional_call``); with p_n the smoothed softmax and L_n the lower Cholesky factor of
diag(p_n) − p_n p_nᵀ, F = mean_n (L_n J_n)ᵀ (L_n J_n), exactly as the official code forms it. With λ the singular
values of F and q its deciles q_0.1 … q_0.9, q̃ = q / ‖q‖₁ and VKDNW = −Σ q̃ log q̃ (higher: a flatter spectrum).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from metrics.gradsign import plain_avg_pools
from metrics.probe import Probe, logits
from metrics.registry import metric
from metrics.structure import n_layers

PAPER = "Týbl & Neumann, CVPR 2025, VKDNW (ondratybl/VKDNW NB201/ZeroShotProxy/compute_vkdnw_score.py)"
SMOOTHING = torch.tensor(0.05, dtype=torch.float16)
"""α of the smoothed softmax (1 − α)·softmax + α/K, a float16 tensor as in the official code: (1 − α) and α/K are
then rounded to float16 (0.9501953125 and, for K = 10, 0.0049972534), so p sums to 1 only to ≈ 3e-4."""
CHUNK_ROWS = 160
"""Samples × classes per ``vmap`` call of the Jacobian pass (16 samples on CIFAR-10): each call runs that many
backward passes at once, and larger calls spend their time in the kernel, not in arithmetic (CIFAR-100, one thread,
``scripts/bench_vkdnw_chunks.py``: at 16 samples a call 23.5 s of system time beside 26.3 s of user time per network,
at 2 samples 0.3 s). See :func:`chunk_size`."""
CHUNK_ELEMENTS = 2**28
"""At most this many rows × entries of the chosen weight tensors per ``vmap`` call (1 GiB of float32): ``jacrev``
forms, for every row, the gradient of each chosen tensor whole before picking its entries. On NB201 (at most
1.6 M parameters) this leaves 160 rows; on NB101's largest network (30.7 M) 16 samples a call took 11.9 GB and 58% of
its CPU time in the kernel (page faults), 2 samples 2.4 GB (docs/performance.md)."""
DECILES = torch.arange(0.1, 1.0, 0.1)  # q_0.1 … q_0.9, the official expression (9 levels)
EPS = 1e-10  # the official guard in q / (‖q‖₁ + ε) and log(q̃ + ε)
LEXICOGRAPHIC_SCALE = 10.0
"""VKDNW_single = this × ℵ + VKDNW: ℵ is a whole number and VKDNW lies in [0, log 9] ⊂ [0, 10), so the value orders
architectures exactly as the official dense rank of the pair (ℵ, VKDNW) does."""


@dataclass(frozen=True)
class VkdnwSettings:
    """Which weights enter the Fisher matrix and how many noise samples feed it.

    ``tensors``: the first this many parameter tensors (official ``params_grad_len`` = 128); ``entries``: evenly
    spaced entries per tensor (``torch.linspace`` over the flattened tensor; the official NB201 default ``p`` = 0
    selects nothing and its driver is not public, the ImageNet version takes entry 0 of each tensor: 1 entry, which
    ``linspace`` also gives). ``ValueError`` naming the value at fault for a count below 1.
    """

    tensors: int = 128
    entries: int = 1

    def __post_init__(self) -> None:
        for key in ("tensors", "entries"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"vkdnw setting {key} must be a positive whole number, got {value!r}")

    def as_dict(self) -> dict[str, object]:
        """The settings as recorded in the metric spec, with the fixed protocol choices."""
        return {
            "input": "Gaussian noise N(0, 1) of the setup's batch shape (official trainloader=None); no labels",
            "init": "Kaiming-normal fan_in (ReLU gain) Conv2d/Linear weights, biases 0, BatchNorm weight 1 / bias 0",
            "bn": "eval mode with fresh running statistics (mean 0, var 1), as the official model.eval()",
            "tensors": self.tensors,
            "entries": self.entries,
            "smoothing": "0.95 softmax + 0.05 / K (float16 constants)",
            "fisher": "mean_n (L_n J_n)^T (L_n J_n), L_n L_n^T = diag(p_n) - p_n p_n^T (the official form)",
            "spectrum": "singular values; entropy of the L1-normalised deciles 0.1..0.9",
        }


def kaiming_fan_in_init(net: nn.Module) -> nn.Module:
    """The official ``kaiming_norm_fanin`` initialisation, in place; returns ``net``."""
    for module in net.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.modules.batchnorm._BatchNorm | nn.GroupNorm) and module.affine:
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    return net


def fresh_eval_mode(net: nn.Module) -> nn.Module:
    """Reset every BatchNorm's running statistics (mean 0, var 1) and put ``net`` in eval mode; returns it.

    BatchNorm then computes x / √(1 + ε) · γ + β for every sample alone, which makes per-sample Jacobians those of
    the batch and the official ``model.eval()`` of a network never run in train mode.
    """
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.track_running_stats:
            module.reset_running_stats()
    return net.eval()


def chosen_entries(net: nn.Module, settings: VkdnwSettings) -> dict[str, torch.Tensor]:
    """Parameter name → the flat indices of its chosen entries, for the first ``settings.tensors`` tensors."""
    chosen = {}
    for name, param in list(net.named_parameters())[: settings.tensors]:
        chosen[name] = torch.linspace(0, param.numel() - 1, steps=settings.entries).long()
    return chosen


def smoothed_probabilities(outputs: torch.Tensor) -> torch.Tensor:
    """(1 − α)·softmax(outputs) + α/K per row, with the official float16 α (:data:`SMOOTHING`)."""
    alpha = SMOOTHING.to(outputs.device)
    return torch.softmax(outputs, dim=1) * (1 - alpha) + alpha / outputs.shape[1]


def multinomial_cholesky(prob: torch.Tensor) -> torch.Tensor:
    """Lower-triangular L (N, K, K) with L Lᵀ = diag(p) − p pᵀ for each row p of ``prob`` (N, K).

    Closed form of the multinomial covariance's Cholesky factor (Tanabe & Sagae 1992): with q_j = 1 − Σ_{k≤j} p_k
    (q_{K−1} set to 0), d_j = √(p_j q_j / q_{j−1}) (q_{−1} = 1), L_jj = d_j and L_ij = −p_i d_j / q_j for i > j.
    """
    classes = prob.shape[1]
    q = 1 - prob.cumsum(dim=1)
    q[:, -1] = 0
    q_before = torch.cat([torch.ones_like(q[:, :1]), q[:, :-1]], dim=1)
    d = torch.sqrt(prob * q / q_before)
    strictly_lower = torch.ones(classes, classes, dtype=torch.bool, device=prob.device).tril(-1)
    below = -prob[:, :, None] * (d / q)[:, None, :]  # column K−1 is 0/0, never strictly below the diagonal
    lower = torch.where(strictly_lower, below, torch.zeros((), dtype=prob.dtype, device=prob.device))
    return lower + torch.diag_embed(d)


def chunk_size(classes: int, elements: int) -> int:
    """Samples per ``vmap`` call of the Jacobian pass for ``classes`` logits and ``elements`` entries in the chosen
    weight tensors: the rows (samples × classes) that fit both :data:`CHUNK_ROWS` and :data:`CHUNK_ELEMENTS`, over
    ``classes``, at least 2. On NB201, 16 on CIFAR-10 and 2 on CIFAR-100 and ImageNet16-120 (the element bound never
    binds there); on NB101, 2 to 16 by network size. Chunks differ only by float32 rounding: on the NB201 networks
    tried, 2 to 16 gave the same VKDNW to the last digit, while 1 (a single-sample call takes another kernel path)
    moved it in the 6th; on NB101 networks the entropy of the Fisher spectrum's deciles moves by up to ≈ 2·10⁻⁴
    between chunks."""
    rows = min(CHUNK_ROWS, CHUNK_ELEMENTS // max(elements, 1))
    return max(2, rows // classes)


def network_chunk(net: nn.Module, chosen: dict[str, torch.Tensor], classes: int) -> int:
    """:func:`chunk_size` for ``net`` with ``classes`` logits, counting the elements of the ``chosen`` tensors."""
    parameters = dict(net.named_parameters())
    return chunk_size(classes, sum(parameters[name].numel() for name in chosen))


def logit_jacobians(
    net: nn.Module, inputs: torch.Tensor, chosen: dict[str, torch.Tensor], chunk: int
) -> torch.Tensor:
    """Per-sample Jacobians (N, K, P) of the logits with respect to the chosen entries, in ``chosen`` order, ``chunk``
    samples per ``vmap`` call (:func:`chunk_size`).

    ``net`` must be in eval mode (every sample is run alone). A chosen entry that does not reach the logits has a
    zero column.
    """
    params = {name: p.detach() for name, p in net.named_parameters()}
    buffers = {name: b.detach() for name, b in net.named_buffers()}
    values = {name: params[name].reshape(-1)[index] for name, index in chosen.items()}

    def sample_logits(selected: dict[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        patched = dict(params)
        for name, index in chosen.items():
            flat = params[name].reshape(-1).index_put((index,), selected[name])
            patched[name] = flat.view_as(params[name])
        return logits(functional_call(net, (patched, buffers), (image.unsqueeze(0),))).squeeze(0)

    per_sample = vmap(jacrev(sample_logits), in_dims=(None, 0))
    parts = []
    for start in range(0, len(inputs), chunk):
        jacobian = per_sample(values, inputs[start : start + chunk])
        parts.append(torch.cat([jacobian[name] for name in chosen], dim=2))
    return torch.cat(parts)


def fisher_matrix(net: nn.Module, inputs: torch.Tensor, settings: VkdnwSettings) -> torch.Tensor:
    """F = mean_n (L_n J_n)ᵀ (L_n J_n), (P, P), for an initialised ``net`` in eval mode on ``inputs``."""
    with torch.no_grad():
        outputs = logits(net(inputs))
    chosen = chosen_entries(net, settings)
    jacobians = logit_jacobians(net, inputs, chosen, network_chunk(net, chosen, outputs.shape[1]))
    cholesky = multinomial_cholesky(smoothed_probabilities(outputs))
    scaled = cholesky @ jacobians
    return (scaled.transpose(1, 2) @ scaled).mean(dim=0)


def spectrum_entropy(eigenvalues: torch.Tensor) -> float:
    """−Σ q̃ log(q̃ + ε), q̃ = the deciles 0.1 … 0.9 of ``eigenvalues`` divided by their sum (+ ε)."""
    deciles = torch.quantile(eigenvalues, DECILES.to(eigenvalues.device, eigenvalues.dtype))
    shares = deciles / (deciles.abs().sum() + EPS)
    return float(-(shares * torch.log(shares + EPS)).sum())


def vkdnw_network(net: nn.Module) -> nn.Module:
    """``net`` (a private copy) as VKDNW scores it: plain average pools, Kaiming fan-in weights, eval mode with fresh
    BatchNorm statistics."""
    return fresh_eval_mode(kaiming_fan_in_init(plain_avg_pools(net)))


def vkdnw_score(probe: Probe, settings: VkdnwSettings) -> float:
    """VKDNW with ``settings`` on a private, re-initialised copy of the probe's network (shared per probe)."""

    def compute() -> float:
        net = vkdnw_network(probe.copy(bn=True))
        noise = torch.randn_like(probe.inputs())
        fisher = fisher_matrix(net, noise, settings)
        return spectrum_entropy(torch.linalg.svdvals(fisher))

    return probe.shared(f"vkdnw {settings}", compute)


VKDNW_SETTINGS = VkdnwSettings()


@metric(
    "vkdnw",
    higher_is_better=True,
    needs="none",
    bn="bypass",
    paper=PAPER,
    units="entropy (nats) of the normalised deciles of the Fisher spectrum of 128 chosen weights",
    settings=VKDNW_SETTINGS.as_dict(),
)
def vkdnw(probe: Probe) -> float:
    """VKDNW_single: −Σ q̃ log q̃ over the normalised deciles of the chosen weights' Fisher spectrum, in
    [0, log 9]; higher is better. Data-free (noise of the batch's shape), not class-invariant (the first 128
    parameter tensors include ops off every input→output path)."""
    return vkdnw_score(probe, VKDNW_SETTINGS)


@metric(
    "vkdnw_single",
    higher_is_better=True,
    needs="none",
    bn="bypass",
    paper=PAPER + "; VKDNW_single of Table 1 (NB201/paper_preparation.ipynb, history before 2b67433)",
    units="10 × ℵ (parameter tensors) + VKDNW entropy: the lexicographic order of (ℵ, VKDNW)",
    settings={
        **VKDNW_SETTINGS.as_dict(),
        "combination": "lexicographic (n_layers, vkdnw): 10 * n_layers + vkdnw",
    },
)
def vkdnw_single(probe: Probe) -> float:
    """VKDNW_single as the paper ranks it: by ℵ (:func:`metrics.structure.n_layers`, the official ``vkdnw_dim``)
    first and by the VKDNW entropy within equal ℵ (the notebook's ``rank(method="dense")`` of the tuple); higher is
    better. Shares the entropy with ``vkdnw``."""
    return LEXICOGRAPHIC_SCALE * n_layers(probe) + vkdnw_score(probe, VKDNW_SETTINGS)
