"""An InfoGCN-style attention graph convolution network with attention pooling.

Input  `joints`          [N, T, V, C]  normalized window (docs/models.md)
Output `logits`          [N, K]
       `frame_attention` [N, T]     a[t]    = sum_v alpha[t, v]          (sums to 1 over t)
       `joint_attention` [N, T, V]  a[t, v] = alpha[t, v] / a[t]         (sums to 1 over v in every frame)
where alpha = softmax over all T*V positions of the pooling scores, and the classifier sees exactly
pooled = sum_{t,v} alpha[t, v] * h[:, t, v] of the last block's features h: logits = W pooled + b.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .skeletons import LAYOUTS, normalized_adjacency


def parents_of(num_joints: int, edges: list[tuple[int, int]]) -> list[int]:
    """Parent of each joint in a BFS tree from joint 0 (for the bone feature); the root is its own parent."""
    nbr = {i: [] for i in range(num_joints)}
    for a, b in edges:
        nbr[a].append(b)
        nbr[b].append(a)
    parent = [-1] * num_joints
    parent[0] = 0
    queue = [0]
    while queue:
        i = queue.pop(0)
        for j in nbr[i]:
            if parent[j] < 0:
                parent[j] = i
                queue.append(j)
    return [p if p >= 0 else i for i, p in enumerate(parent)]


def dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II of length n as a matrix D (coefficients = D @ signal; its inverse is D.T): the exported
    graph stays a plain matrix product (torch.fft does not export to ONNX)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.sqrt(2.0 / n) * np.cos(np.pi * (i + 0.5) * k / n)
    d[0] /= np.sqrt(2.0)
    return d


def motion(x: torch.Tensor) -> torch.Tensor:
    """[N, C, T, V] -> next frame minus this frame, zero in the last frame."""
    return torch.cat([x[:, :, 1:] - x[:, :, :-1], torch.zeros_like(x[:, :, :1])], dim=2)


class SelfAttentionGraphConv(nn.Module):
    """Per-frame joint x joint self-attention added to a learned topology (initialized from the skeleton), one
    of each per head; features aggregated over joints with that matrix and mixed by a 1x1 convolution.

    frequency_low > 0 adds FreqMixFormer-style frequency-aware attention (a config option, `model.frequency_low`):
    the queries and keys are taken to the frequency domain along the joint axis (DCT-II), their first frequency_low
    coefficients scaled by one learned factor per head and the others by another, attention is computed between
    frequency components, and the result is brought back to joints by the inverse DCT: D^T softmax(q' k'^T) D, a
    V x V matrix per head and frame that is added, weighted by a learned mix (starting at 0), to the spatial
    attention and topology. So the joint mixing stays one matrix (the rollout of the attention output still holds)."""

    def __init__(self, c_in: int, c_out: int, adjacency: np.ndarray, heads: int, key_dim: int,
                 frequency_low: int = 0):
        super().__init__()
        self.heads, self.key_dim = heads, key_dim
        self.frequency_low = frequency_low
        if frequency_low:
            v = adjacency.shape[0]
            self.register_buffer("dct", torch.tensor(dct_matrix(v), dtype=torch.float32), persistent=False)
            low = torch.zeros(v)
            low[:frequency_low] = 1.0
            self.register_buffer("low_band", low, persistent=False)
            self.band_scale = nn.Parameter(torch.ones(heads, 2))  # (low, high) factor per head
            self.frequency_mix = nn.Parameter(torch.zeros(heads, 1, 1, 1))
        self.qk = nn.Conv2d(c_in, 2 * heads * key_dim, 1)
        self.value = nn.Conv2d(c_in, c_out, 1)
        self.topology = nn.Parameter(torch.tensor(adjacency, dtype=torch.float32).repeat(heads, 1, 1))
        self.out = nn.Conv2d(c_out, c_out, 1)
        self.bn = nn.BatchNorm2d(c_out)
        self.residual = nn.Identity() if c_in == c_out else nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [N, C, T, V]
        return self.forward_mixing(x)[0]

    def forward_mixing(self, x: torch.Tensor, with_mixing: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """-> (output [N, C, T, V], mixing [N, T, V, V]): how much each output joint (row) drew on each input
        joint (column) in each frame: |attention + topology| averaged over heads, rows normalized to sum to 1.
        with_mixing=False skips the mixing (None): training reads only the logits."""
        n, _, t, v = x.shape
        h, d = self.heads, self.key_dim
        qk = self.qk(x).reshape(n, 2, h, d, t, v)
        q = qk[:, 0].permute(0, 1, 3, 4, 2)          # [N, H, T, V, d]
        k = qk[:, 1].permute(0, 1, 3, 2, 4)          # [N, H, T, d, V]
        att = torch.softmax(torch.matmul(q, k) / math.sqrt(d), dim=-1)  # [N, H, T, V, V]
        a = att + self.topology.unsqueeze(1)         # [N, H, T, V, V]
        if self.frequency_low:
            a = a + self.frequency_mix * self.frequency_attention(q, k)
        val = self.value(x)
        c = val.shape[1]
        val = val.reshape(n, h, c // h, t, v).permute(0, 1, 3, 4, 2)  # [N, H, T, V, c/H]
        y = torch.matmul(a, val)                     # [N, H, T, V, c/H]
        y = y.permute(0, 1, 4, 2, 3).reshape(n, c, t, v)
        mixing = None
        if with_mixing:
            # Computed before the output, as always: the exported graph keeps the node order of the shipped models
            # (base_model.load_onnx_weights walks a probe's graph in step with a shipped one).
            mixing = a.abs().mean(dim=1)
            mixing = mixing / mixing.sum(dim=-1, keepdim=True).clamp_min(1e-12)
        return self.relu(self.bn(self.out(y)) + self.residual(x)), mixing


    def frequency_attention(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """q [N, H, T, V, d], k [N, H, T, d, V] -> D^T softmax(q' k'^T / sqrt(d)) D  [N, H, T, V, V], where q' and k'
        are the DCT of q and k along the joints with their low and high bands scaled by the head's factors."""
        band = (self.low_band * self.band_scale[:, :1] + (1 - self.low_band) * self.band_scale[:, 1:])  # [H, V]
        qf = torch.matmul(self.dct, q) * band[None, :, None, :, None]
        kf = torch.matmul(k, self.dct.t()) * band[None, :, None, None, :]
        att = torch.softmax(torch.matmul(qf, kf) / math.sqrt(self.key_dim), dim=-1)
        return torch.matmul(torch.matmul(self.dct.t(), att), self.dct)


class MultiScaleTemporalConv(nn.Module):
    """Four branches on a quarter of the channels each: temporal conv kernel 5 dilation 1 and 2, max pool 3,
    and a plain 1x1; concatenated, batch-normalized, residual."""

    def __init__(self, c: int, kernel: int = 5, dropout: float = 0.0):
        super().__init__()
        b = c // 4

        def branch(dilation: int) -> nn.Sequential:
            pad = (kernel - 1) * dilation // 2
            return nn.Sequential(nn.Conv2d(c, b, 1), nn.BatchNorm2d(b), nn.ReLU(),
                                 nn.Conv2d(b, b, (kernel, 1), padding=(pad, 0), dilation=(dilation, 1)))

        self.branches = nn.ModuleList([
            branch(1), branch(2),
            nn.Sequential(nn.Conv2d(c, b, 1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d((3, 1), 1, (1, 0))),
            nn.Conv2d(c, c - 3 * b, 1),
        ])
        self.bn = nn.BatchNorm2d(c)
        self.drop = nn.Dropout(dropout)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([br(x) for br in self.branches], dim=1)
        return self.relu(self.drop(self.bn(y)) + x)


class InformationBottleneck(nn.Module):
    """InfoGCN's information-bottleneck head (Chi et al., CVPR 2022), the config option `model.bottleneck`.

    pooled [N, C] -> h = relu(W_h pooled) -> latent mean mu = W_mu h and log-variance s = W_s h; in training the
    latent is sampled, z = mu + exp(noise * s) * eps with eps ~ N(0, 1) (noise is InfoGCN's noise_ratio), at
    evaluation z = mu; logits = W_y z. The objective pulls the latent towards class-conditional Gaussians with fixed,
    mutually orthogonal means (the rows of `prior`, orthogonal with norm `gain`): loss() is the MMD term with a linear
    kernel, i.e. the mean squared difference between each class's mean latent in the batch and that class's prior
    mean (classes absent from the batch left out), plus a small weight on the norm of the batch's mean latent, as in
    InfoGCN (weights 0.1 and 1e-4 there). The exported graph is three plain Gemms (no sampling at evaluation); the
    log-variance branch is used only in training, so it is not in the ONNX file."""

    def __init__(self, c_in: int, num_classes: int, latent: int = 0, gain: float = 3.0, noise: float = 0.1,
                 mmd_weight: float = 0.1, mean_weight: float = 1e-4):
        super().__init__()
        latent = latent or c_in
        if num_classes > latent:
            raise ValueError(f"bottleneck.latent ({latent}) must be at least the number of labels ({num_classes}): "
                             "the class means of the prior are orthogonal")
        self.noise, self.mmd_weight, self.mean_weight = noise, mmd_weight, mean_weight
        self.hidden = nn.Linear(c_in, latent)
        self.mu = nn.Linear(latent, latent)
        self.log_var = nn.Linear(latent, latent)
        self.decoder = nn.Linear(latent, num_classes)
        relu_gain = nn.init.calculate_gain("relu")
        for layer in (self.hidden, self.mu, self.log_var):
            nn.init.xavier_uniform_(layer.weight, gain=relu_gain)
        nn.init.normal_(self.decoder.weight, 0.0, math.sqrt(2.0 / num_classes))
        prior = torch.empty(num_classes, latent)
        nn.init.orthogonal_(prior, gain=gain)
        self.register_buffer("prior", prior)  # saved with the weights: the targets are part of the model

    def forward(self, pooled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """pooled [N, C] -> (logits [N, K], latent z [N, L])."""
        h = torch.relu(self.hidden(pooled))
        z = self.mu(h)
        if self.training:
            std = torch.exp(self.noise * self.log_var(h)).clamp(max=100.0)
            z = z + std * torch.randn_like(std)
        return self.decoder(z), z

    def loss(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The bottleneck terms of a batch: mmd_weight * MMD + mean_weight * |mean z|."""
        classes = torch.unique(y)
        means = torch.stack([z[y == c].mean(0) for c in classes])
        mmd = torch.mean((means - self.prior[classes]) ** 2)
        return self.mmd_weight * mmd + self.mean_weight * torch.linalg.norm(z.mean(0))


class ActionGCN(nn.Module):
    def __init__(self, layout: str, num_classes: int, window: int, channels: int = 48, blocks: int = 4,
                 heads: int = 2, key_dim: int = 8, features: tuple[str, ...] = ("joint",), dropout: float = 0.2,
                 joint_attention: str = "rollout", ignore_joints: tuple[int, ...] = (), frequency_low: int = 0,
                 bottleneck: dict | None = None):
        super().__init__()
        if joint_attention not in ("rollout", "pooling"):
            raise ValueError(f"joint_attention must be rollout or pooling, not {joint_attention!r}")
        self.joint_attention = joint_attention
        spec = LAYOUTS[layout]
        v = len(spec["names"])
        self.layout, self.window, self.num_joints = layout, window, v
        self.features = tuple(features)
        # Joints the model must not see (e.g. the eyes and ears of the 2D model: Penn Action has none and MoveNet
        # scores them poorly on people seen from behind): zeroed (x, y and score) in the graph, exactly as a missing
        # joint looks, so no input can reach the network through them.
        self.ignore_joints = tuple(ignore_joints)
        if self.ignore_joints:
            keep = torch.ones(1, 1, v, 1)
            keep[:, :, list(self.ignore_joints)] = 0.0
            self.register_buffer("keep_joints", keep, persistent=False)
        self.register_buffer("parents", torch.tensor(parents_of(v, spec["edges"]), dtype=torch.long), persistent=False)
        c_in = spec["channels"] * len(self.features)
        adjacency = normalized_adjacency(v, spec["edges"])
        self.embed = nn.Sequential(nn.Conv2d(c_in, channels, 1), nn.BatchNorm2d(channels), nn.ReLU())
        self.joint_embedding = nn.Parameter(torch.zeros(1, channels, 1, v))
        nn.init.normal_(self.joint_embedding, std=0.02)
        layers = []
        for _ in range(blocks):
            layers += [SelfAttentionGraphConv(channels, channels, adjacency, heads, key_dim, frequency_low),
                       MultiScaleTemporalConv(channels, dropout=0.05)]
        self.blocks = nn.Sequential(*layers)
        self.pool_score = nn.Sequential(nn.Conv2d(channels, channels // 2, 1), nn.Tanh(), nn.Conv2d(channels // 2, 1, 1))
        self.dropout = nn.Dropout(dropout)
        # The classifier: a linear layer, or InfoGCN's information bottleneck (model.bottleneck, a dict of the
        # InformationBottleneck arguments; {} for InfoGCN's values).
        self.bottleneck = None if bottleneck is None else InformationBottleneck(channels, num_classes, **bottleneck)
        self.classifier = nn.Linear(channels, num_classes) if self.bottleneck is None else None

    def input_features(self, joints: torch.Tensor) -> torch.Tensor:
        """[N, T, V, C] -> [N, C * len(features), T, V]."""
        if self.ignore_joints:
            joints = joints * self.keep_joints
        x = joints.permute(0, 3, 1, 2)
        parts = []
        for f in self.features:
            if f == "joint":
                parts.append(x)
            elif f == "bone":
                parts.append(x - x[:, :, :, self.parents])
            elif f == "motion":
                parts.append(motion(x))
            elif f == "bone_motion":
                parts.append(motion(x - x[:, :, :, self.parents]))
            else:
                raise ValueError(f"unknown feature {f!r}")
        return torch.cat(parts, dim=1)

    def classify(self, pooled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """pooled [N, C] -> (logits, the bottleneck's latent or None)."""
        if self.bottleneck is None:
            return self.classifier(pooled), None
        return self.bottleneck(pooled)

    def forward(self, joints: torch.Tensor, attention: bool = True):
        """-> (logits, frame_attention, joint_attention); with attention=False (training, which reads only the
        logits) no attention is computed (neither the mixing matrices nor the rollout; the logits are the same
        either way) and the outputs are (logits, the bottleneck's latent or None, None)."""
        h = self.embed(self.input_features(joints)) + self.joint_embedding
        mixings = []
        for layer in self.blocks:
            if isinstance(layer, SelfAttentionGraphConv):
                h, mixing = layer.forward_mixing(h, with_mixing=attention)
                mixings.append(mixing)
            else:
                h = layer(h)                               # [N, C, T, V]
        n, c, t, v = h.shape
        scores = self.pool_score(h).reshape(n, t * v)
        alpha = torch.softmax(scores, dim=1)               # [N, T*V]
        pooled = torch.matmul(h.reshape(n, c, t * v), alpha.unsqueeze(-1)).squeeze(-1)  # [N, C]
        logits, latent = self.classify(self.dropout(pooled))
        if not attention:
            # Training: with the bottleneck the second output is its latent z (for InformationBottleneck.loss).
            return logits, latent, None
        alpha = alpha.reshape(n, t, v)
        frame_attention = alpha.sum(dim=2)
        relevance = alpha
        if self.joint_attention == "rollout":
            # Attention rollout over the joint axis: the features pooled at joint v were mixed from other joints by
            # every graph convolution, so carry the pooling weight back through each block's mixing matrix, half
            # through the residual path and half through the mixing (rows sum to 1, so each frame keeps its mass).
            for mixing in reversed(mixings):
                relevance = 0.5 * relevance + 0.5 * torch.matmul(relevance.unsqueeze(-2), mixing).squeeze(-2)
        joint_attention = relevance / frame_attention.clamp_min(1e-12).unsqueeze(-1)
        return logits, frame_attention, joint_attention


class StreamEnsemble(nn.Module):
    """Several ActionGCNs ("streams": joint, bone, motion, ...) over the same input window, exported as one graph
    with the same contract as one model:
        logits          = mean of the streams' logits
        alpha[t, v]     = mean of the streams' pooling weights alpha_s[t, v] (each sums to 1 over all t, v)
        frame_attention = sum_v alpha,  joint_attention = alpha / frame_attention
    so the attention is still the (averaged) weight with which each position's features reached the classifiers."""

    def __init__(self, streams: list[ActionGCN]):
        super().__init__()
        self.streams = nn.ModuleList(streams)
        self.layout, self.window, self.num_joints = streams[0].layout, streams[0].window, streams[0].num_joints

    def forward(self, joints: torch.Tensor, attention: bool = True):
        logits, alpha = 0, 0
        for s in self.streams:
            l, fa, ja = s(joints, attention)
            logits = logits + l
            if attention:
                alpha = alpha + fa.unsqueeze(-1) * ja
        if not attention:
            return logits / len(self.streams), None, None
        k = len(self.streams)
        logits, alpha = logits / k, alpha / k
        frame_attention = alpha.sum(dim=2)
        joint_attention = alpha / frame_attention.clamp_min(1e-12).unsqueeze(-1)
        return logits, frame_attention, joint_attention


def build_single(cfg: dict, layout: str, num_classes: int, features: list[str] | None = None) -> ActionGCN:
    m = cfg.get("model", {})
    return ActionGCN(layout, num_classes, cfg["window"], channels=m.get("channels", 48), blocks=m.get("blocks", 4),
                     heads=m.get("heads", 2), key_dim=m.get("key_dim", 8),
                     features=tuple(features or m.get("features", ["joint"])), dropout=m.get("dropout", 0.2),
                     joint_attention=m.get("joint_attention", "rollout"),
                     ignore_joints=tuple(m.get("ignore_joints", ())), frequency_low=m.get("frequency_low", 0),
                     bottleneck=m.get("bottleneck"))


def build_model(cfg: dict, layout: str, num_classes: int) -> nn.Module:
    """One ActionGCN, or a StreamEnsemble when the config lists `streams` (each with its own `features`)."""
    if cfg.get("streams"):
        if cfg.get("model", {}).get("bottleneck") is not None:
            raise ValueError("model.bottleneck is for one network, not a stream ensemble")
        return StreamEnsemble([build_single(cfg, layout, num_classes, s["features"]) for s in cfg["streams"]])
    return build_single(cfg, layout, num_classes)
