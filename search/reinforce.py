"""REINFORCE with a factorised categorical policy, as the NAS-Bench-201 / NATS-Bench baseline.

One categorical distribution per position (NB201: per edge, over the 5 ops), logits initialised
to ``1e-3 · N(0, 1)``, optimised with Adam (β = 0.9, 0.999, ε = 1e-8, lr 0.01 as in the NATS-Bench
``reinforce.py`` runs; the earlier NAS-Bench-201 scripts were invoked with 0.001). The reward is the
validation accuracy (%); the baseline is a bias-corrected exponential moving average (momentum 0.9)
updated with the reward before the advantage ``reward − baseline`` is formed, so the first step
has zero advantage. Sampling an already-queried arch is a free repeat and still updates the policy.
On a pool (:class:`search.pool.PoolSpace`) a sampled code vector may be no member: the nearest member is
queried (:meth:`search.encoding.Categorical.nearest`) and the policy is updated with that member's codes.
"""

from __future__ import annotations

import numpy as np

from bench.core.space import Space
from search.encoding import Categorical
from search.oracle import Oracle
from search.scores import ZCScores


class _Adam:
    """Adam on one flat parameter vector (minimisation)."""

    def __init__(self, size: int, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        b1, b2 = self.betas
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * grad
        self.v = b2 * self.v + (1 - b2) * grad**2
        m_hat, v_hat = self.m / (1 - b1**self.t), self.v / (1 - b2**self.t)
        params -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    learning_rate: float = 0.01,
    ema_momentum: float = 0.9,
) -> None:
    """Sample, query and update the policy until the budget ends."""
    enc = Categorical(space)
    logits = 1e-3 * rng.standard_normal(enc.width)
    blocks = [slice(a, b) for a, b in zip(enc.offsets[:-1], enc.offsets[1:], strict=True)]
    adam = _Adam(enc.width, learning_rate)
    ema_sum, ema_weight = 0.0, 0.0
    while True:
        probs = np.concatenate([_softmax(logits[b]) for b in blocks])
        codes = np.array([rng.choice(b.stop - b.start, p=probs[b]) for b in blocks])
        index = enc.nearest(codes)
        codes = enc.codes[index]
        reward = oracle.query(index)
        ema_sum = ema_momentum * ema_sum + (1 - ema_momentum) * reward
        ema_weight = ema_momentum * ema_weight + (1 - ema_momentum)
        advantage = reward - ema_sum / ema_weight
        chosen = np.zeros(enc.width)
        chosen[codes + enc.offsets[:-1]] = 1.0
        # gradient of the loss −advantage · log π(codes) with respect to the logits
        adam.step(logits, -advantage * (chosen - probs))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()
