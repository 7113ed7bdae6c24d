"""A shipped model back in PyTorch: the architecture from its card, the weights from its ONNX initializers.

The exported graph is constant-folded: a BatchNorm after a convolution is folded into that convolution's weight
and bias (initializers named onnx::Conv_N), and the graph convolutions' topology is folded into the constant it is
added as (onnx::Add_N, reshaped). To map them back without depending on the exporter's naming, a probe copy of the
same architecture is filled with distinct random values and every BatchNorm set to the identity, exported the same
way, and its graph walked in step with the base's: each probe initializer equals one tensor of the probe's
state_dict (possibly reshaped), which says where the base's initializer at the same place in the graph belongs. A
folded convolution gets the folded weight and bias, and its BatchNorm is left as the identity (mean 0, variance
1 - eps, scale 1, shift 0), so the PyTorch model computes what the ONNX graph computes.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .export import write_onnx
from .model import build_model


def config_from_card(card: dict) -> dict:
    """The training config (the parts build_model and the windowing read) of a model card."""
    arch = card["architecture"]
    model = {k: arch[k] for k in ("channels", "blocks", "heads", "key_dim", "dropout", "features", "ignore_joints",
                                  "frequency_low", "bottleneck") if k in arch}
    model["joint_attention"] = str(arch.get("jointAttention", "rollout")).split()[0]
    cfg = {"name": card["name"], "version": card.get("version", "1.0.0"), "layout": card["layout"],
           "window": card["window"]["frames"], "window_seconds": card["window"]["seconds"],
           "stride_seconds": card["window"]["strideSeconds"], "model": model}
    if arch.get("streams"):
        cfg["streams"] = [{"name": s["name"], "features": list(s["features"])} for s in arch["streams"]]
    return cfg


def card_path_of(onnx_path: Path) -> Path:
    return onnx_path.with_name(onnx_path.name[:-len(".onnx")] + ".card.json")


def _identity_batchnorm(bn: nn.BatchNorm2d) -> None:
    bn.weight.fill_(1.0)
    bn.bias.zero_()
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0 - bn.eps)


def folded_pairs(model: nn.Module) -> dict[str, str]:
    """{conv module name: the BatchNorm right after it in the same container} (what the exporter folds)."""
    pairs = {}
    for prefix, module in model.named_modules():
        children = list(module.named_children())
        for (a, ma), (b, mb) in zip(children, children[1:]):
            if isinstance(ma, nn.Conv2d) and isinstance(mb, nn.BatchNorm2d):
                pairs[f"{prefix}.{a}".lstrip(".")] = f"{prefix}.{b}".lstrip(".")
    return pairs


def _ops(graph: onnx.GraphProto) -> list[str]:
    return [n.op_type for n in graph.node if n.op_type != "Identity"]


def _initializer_sequence(graph: onnx.GraphProto) -> list[tuple[str, np.ndarray]]:
    """The initializers in the order the nodes use them (each once)."""
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # The exporter shares equal initializers through Identity nodes: follow them to the initializer.
    alias = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in inits}
    seen, out = set(), []
    for node in graph.node:
        if node.op_type == "Identity":
            continue
        for name in (alias.get(i, i) for i in node.input):
            if name in inits and name not in seen:
                seen.add(name)
                out.append((name, inits[name]))
    return out


@torch.no_grad()
def load_onnx_weights(model: nn.Module, onnx_path: Path) -> None:
    """Sets `model`'s weights to those of the exported graph at onnx_path (same architecture; see the module doc).
    Raises ValueError when the graph is not this architecture's."""
    probe = build_model_like(model)
    gen = torch.Generator().manual_seed(0)
    for p in probe.state_dict().values():
        if p.is_floating_point():
            p.copy_(torch.randn(p.shape, generator=gen))
    for m in probe.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_var.abs_().add_(0.5)  # a valid variance
    pairs = folded_pairs(model)
    for bn in pairs.values():
        _identity_batchnorm(probe.get_submodule(bn))
    buffer = io.BytesIO()
    write_onnx(probe, buffer)
    probe_graph = onnx.load_from_string(buffer.getvalue()).graph
    base_graph = onnx.load(str(onnx_path)).graph
    if _ops(probe_graph) != _ops(base_graph):
        raise ValueError(f"{onnx_path}: the graph is not the architecture its card describes")
    probe_state = probe.state_dict()
    state = model.state_dict()
    assigned: set[str] = set()
    folded: set[str] = set()
    for (pname, pvalue), (_, bvalue) in zip(_initializer_sequence(probe_graph), _initializer_sequence(base_graph)):
        if pvalue.shape != bvalue.shape:
            raise ValueError(f"{onnx_path}: initializer of shape {bvalue.shape} where {pvalue.shape} was expected")
        target = pname if pname in probe_state else _match(pvalue, probe_state)
        if target is None:
            # A constant of the graph (a shape, an index list, the DCT): the same in every model of the architecture.
            if not np.allclose(pvalue, bvalue):
                raise ValueError(f"{onnx_path}: constant {pname} differs from the architecture's")
            continue
        state[target].copy_(torch.from_numpy(bvalue.copy()).reshape(state[target].shape))
        assigned.add(target)
        module = target.rsplit(".", 1)[0]
        if pname not in probe_state and module in pairs:
            folded.add(pairs[module])
            for key in ("weight", "bias", "running_mean", "running_var"):
                assigned.add(f"{pairs[module]}.{key}")
    model.load_state_dict(state)
    for bn in folded:
        _identity_batchnorm(model.get_submodule(bn))
    missing = [k for k, v in state.items() if k not in assigned and v.is_floating_point()]
    if missing:
        raise ValueError(f"{onnx_path}: no initializer for {missing[:5]}")


def _match(value: np.ndarray, state: dict[str, torch.Tensor]) -> str | None:
    for name, tensor in state.items():
        if tensor.is_floating_point() and tensor.numel() == value.size:
            if np.allclose(tensor.numpy().reshape(value.shape), value, rtol=1e-4, atol=1e-6):
                return name
    return None


def build_model_like(model: nn.Module) -> nn.Module:
    return build_model(model.portal_config, model.layout, model.portal_classes)


def load_base(onnx_path: Path | str) -> tuple[nn.Module, dict, dict]:
    """BASE.onnx (its card beside it) -> (PyTorch model in eval mode with the base's weights, config, card)."""
    onnx_path = Path(onnx_path)
    card_path = card_path_of(onnx_path)
    if not onnx_path.is_file():
        raise FileNotFoundError(f"no base model at {onnx_path}")
    if not card_path.is_file():
        raise FileNotFoundError(f"no model card beside the base model ({card_path})")
    card = json.loads(card_path.read_text())
    cfg = config_from_card(card)
    model = new_model(cfg, len(card["labels"]))
    load_onnx_weights(model, onnx_path)
    return model.eval(), cfg, card


def new_model(cfg: dict, classes: int) -> nn.Module:
    """build_model, remembering how it was built (so a probe copy can be made)."""
    model = build_model(cfg, cfg["layout"], classes)
    model.portal_config, model.portal_classes = cfg, classes
    return model
