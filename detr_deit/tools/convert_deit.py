"""Official DeiT checkpoint -> mmpretrain format: ``python -m detr_deit.tools.convert_deit IN OUT``.

IN is a checkpoint of facebookresearch/deit (e.g. deit_tiny_patch16_224-a1311bcf.pth, a dict
with the timm-style state dict under "model"); OUT gets ``{"state_dict": {"backbone.*": ...,
"head.layers.head.*": ...}, "meta": {...}}`` as mmpretrain's ImageClassifier saves it, so the
detector config loads it with ``init_cfg=dict(type='Pretrained', checkpoint=OUT,
prefix='backbone.')``. Written atomically; weights only.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import OrderedDict
from pathlib import Path

import torch

from common.io import atomic_save

# timm/DeiT name -> mmpretrain VisionTransformer name (after the "backbone." prefix).
_RULES = [
    (r"^patch_embed\.proj\.", "patch_embed.projection."),
    (r"^blocks\.(\d+)\.norm1\.", r"layers.\1.ln1."),
    (r"^blocks\.(\d+)\.norm2\.", r"layers.\1.ln2."),
    (r"^blocks\.(\d+)\.attn\.", r"layers.\1.attn."),  # qkv and proj keep their names
    (r"^blocks\.(\d+)\.mlp\.fc1\.", r"layers.\1.ffn.layers.0.0."),
    (r"^blocks\.(\d+)\.mlp\.fc2\.", r"layers.\1.ffn.layers.1."),
    (r"^norm\.", "ln1."),
    (r"^(cls_token|pos_embed|dist_token)$", r"\1"),
]


def convert_key(key: str) -> str:
    """One DeiT key -> its mmpretrain ImageClassifier key; ValueError for an unknown key."""
    if key.startswith("head."):  # VisionTransformerClsHead's linear layer
        return "head.layers.head." + key[len("head."):]
    if key.startswith("head_dist."):  # distilled DeiT's second head
        return "head.layers.head_dist." + key[len("head_dist."):]
    for pattern, repl in _RULES:
        if re.match(pattern, key):
            return "backbone." + re.sub(pattern, repl, key)
    raise ValueError(f"unexpected key {key!r} in a DeiT checkpoint")


def convert(state: dict) -> OrderedDict:
    """A DeiT state dict (or a checkpoint holding one under "model") -> mmpretrain's."""
    if "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    return OrderedDict((convert_key(k), v) for k, v in state.items())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", help="official DeiT checkpoint (.pth)")
    p.add_argument("dst", help="output in mmpretrain's format (.pth)")
    args = p.parse_args(argv)
    try:
        state = torch.load(args.src, map_location="cpu", weights_only=True)
        converted = convert(state)
    except (OSError, ValueError, RuntimeError) as e:
        sys.exit(f"error: {args.src}: {e}")
    ckpt = {"state_dict": converted, "meta": {"converted_from": Path(args.src).name}}
    atomic_save(args.dst, lambda tmp: torch.save(ckpt, tmp))
    n = sum(k.startswith("backbone.") for k in converted)
    print(f"{len(converted)} tensors ({n} backbone) -> {args.dst}")


if __name__ == "__main__":
    main()
