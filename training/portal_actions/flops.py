"""Counts the FLOPs of an action model for one window (batch 1): 2 x the multiply-adds of every convolution,
linear layer and matrix product (the per-frame attention, its aggregation and the attention pooling).
Element-wise operations, softmax and batch norm (folded into the convolutions at export) are left out, as is usual
for such figures.

`python3 -m portal_actions.flops CHECKPOINT.pt`
"""
from __future__ import annotations

import sys

import torch
from torch import nn

from .experiment import load_checkpoint
from .model import ActionGCN, SelfAttentionGraphConv


def count(model: nn.Module, window: int) -> int:
    macs = 0

    def conv_hook(m: nn.Conv2d, _inp, out):
        nonlocal macs
        macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m: nn.Linear, _inp, out):
        nonlocal macs
        macs += out.numel() * m.in_features

    def attention_hook(m: SelfAttentionGraphConv, inp, out):
        nonlocal macs
        n, _, t, v = inp[0].shape
        c = out.shape[1]
        macs += n * m.heads * t * v * v * m.key_dim  # q k^T
        macs += n * t * v * v * c                    # (attention + topology) x values
        if m.frequency_low:                          # DCT of q and k, q' k'^T, and D^T (...) D
            macs += n * m.heads * t * (2 * v * v * m.key_dim + v * v * m.key_dim + 2 * v * v * v)

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(linear_hook))
        elif isinstance(mod, SelfAttentionGraphConv):
            hooks.append(mod.register_forward_hook(attention_hook))
    model.eval()
    with torch.no_grad():
        logits, _, _ = model(torch.zeros(1, window, model.num_joints, 3))
    for h in hooks:
        h.remove()
    for m in model.modules():
        if isinstance(m, ActionGCN):
            macs += m.joint_embedding.shape[1] * window * m.num_joints  # attention pooling (channels x T x V)
    return 2 * macs


if __name__ == "__main__":
    model, cfg, _ = load_checkpoint(sys.argv[1])
    flops = count(model, cfg["window"])
    params = sum(p.numel() for p in model.parameters())
    print(f"{cfg['name']}: {flops / 1e6:.1f} MFLOPs per window of {cfg['window']} frames (batch 1), {params} parameters")
