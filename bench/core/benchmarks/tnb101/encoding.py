"""TransNAS-Bench-101 (Duan et al., CVPR 2021) architecture strings, and NASLib's op-index keys.

* Micro (cell-level) space, 4^6 = 4,096 cells: ``64-41414-a_bc_def``: 64 base channels, the fixed macro
  skeleton ``41414`` and a 4-node cell whose node ``i`` sums one edge from each earlier node; the digits
  are the edge ops ``0`` zero, ``1`` skip connection, ``2`` ReLU-conv1×1-BN, ``3`` ReLU-conv3×3-BN
  (edges ``1←0 | 2←0 2←1 | 3←0 3←1 3←2``).
* Macro (network-level) space: ``64-<code>-basic``: 4 to 6 stages of two ResNet basic blocks; each code
  digit says what the stage does to its input: ``1`` nothing, ``2`` doubles the channels, ``3`` halves the
  resolution, ``4`` both.

NB-Suite-Zero keys its TransNAS files by NASLib's op-index tuples: a micro key is the 6 edge digits, a macro
key the code digits padded with zeros to length 6 (NASLib's ``convert_op_indices_{micro,macro}_to_str``).
"""

from __future__ import annotations

import ast
import re

BASE_CHANNELS = 64
MICRO_SKELETON = "41414"
MICRO_OPS = {0: "zero", 1: "skip_connect", 2: "conv_1x1", 3: "conv_3x3"}
MACRO_STAGES = {
    1: "keep",
    2: "double channels",
    3: "halve resolution",
    4: "double channels, halve resolution",
}
_MICRO = re.compile(r"64-41414-([0-3])_([0-3]{2})_([0-3]{3})")
_MACRO = re.compile(r"64-([1-4]{4,6})-basic")


def parse_micro(arch_str: str) -> tuple[int, ...]:
    """``64-41414-a_bc_def`` → the 6 edge ops; ``ValueError`` quoting the string if malformed."""
    match = _MICRO.fullmatch(arch_str) if isinstance(arch_str, str) else None
    if match is None:
        raise ValueError(
            f"malformed TransNAS micro arch string {arch_str!r}: expected 64-41414-a_bc_def with ops 0-3"
        )
    return tuple(int(d) for d in "".join(match.groups()))


def parse_macro(arch_str: str) -> tuple[int, ...]:
    """``64-<code>-basic`` → the stage codes; ``ValueError`` quoting the string if malformed."""
    match = _MACRO.fullmatch(arch_str) if isinstance(arch_str, str) else None
    if match is None:
        raise ValueError(
            f"malformed TransNAS macro arch string {arch_str!r}: expected 64-<4 to 6 digits 1-4>-basic"
        )
    return tuple(int(d) for d in match.group(1))


def micro_str(ops: tuple[int, ...]) -> str:
    """The 6 edge ops → ``64-41414-a_bc_def``."""
    text = "64-41414-{}_{}{}_{}{}{}".format(*ops) if len(ops) == 6 else repr(ops)
    parse_micro(text)
    return text


def macro_str(codes: tuple[int, ...]) -> str:
    """The stage codes (zeros dropped) → ``64-<code>-basic``."""
    text = f"64-{''.join(str(c) for c in codes if c != 0)}-basic"
    parse_macro(text)
    return text


def from_naslib_key(key: str, space: str) -> str:
    """NB-Suite-Zero's key (``"(1, 0, 0, 2, 1, 0)"``) in ``space`` (``micro`` / ``macro``) → the official
    arch string; ``ValueError`` naming the key if it is not one."""
    try:
        value = ast.literal_eval(key)
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, tuple) or len(value) != 6 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"malformed NB-Suite-Zero TransNAS key {key!r}: expected a tuple of 6 ints")
    if space == "micro":
        return micro_str(value)
    if space == "macro":
        digits = list(value)
        while digits and digits[-1] == 0:
            digits.pop()
        if 0 in digits:
            raise ValueError(f"malformed NB-Suite-Zero macro key {key!r}: zeros must only pad the end")
        return macro_str(tuple(digits))
    raise ValueError(f"unknown TransNAS space {space!r}; valid: micro, macro")
