import json

import numpy as np
import onnx
import pytest
import torch

from portal_actions import augment
from portal_actions.data import load_nwucla
from portal_actions.experiment import train_input
from portal_actions.model import ActionGCN


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = ActionGCN("coco17", 5, 16, channels=16, blocks=1, heads=2, key_dim=4, features=("joint", "bone", "motion"))
    return m.eval()


def test_outputs_have_the_contract_shapes_and_attention_sums_to_one(model):
    x = torch.randn(3, 16, 17, 3)
    logits, frame_att, joint_att = model(x)
    assert logits.shape == (3, 5) and frame_att.shape == (3, 16) and joint_att.shape == (3, 16, 17)
    torch.testing.assert_close(frame_att.sum(1), torch.ones(3))
    torch.testing.assert_close(joint_att.sum(2), torch.ones(3, 16))


def test_the_classifier_sees_exactly_the_attention_weighted_features(model):
    x = torch.randn(2, 16, 17, 3)
    model.joint_attention = "pooling"  # the plain pooling weights; rollout redistributes them over joints
    with torch.no_grad():
        logits, frame_att, joint_att = model(x)
        h = model.blocks(model.embed(model.input_features(x)) + model.joint_embedding)  # [N, C, T, V]
        alpha = frame_att.unsqueeze(-1) * joint_att                                      # [N, T, V]
        pooled = (h * alpha.unsqueeze(1)).sum((2, 3))
        torch.testing.assert_close(model.classifier(pooled), logits)
    model.joint_attention = "rollout"


def test_augmentation_is_reproducible_from_the_seed():
    sample = load_nwucla("train", limit=1)[0]
    cfg = {"layout": "coco17", "window": 32}
    a = train_input(cfg, sample, np.random.default_rng(5))
    b = train_input(cfg, sample, np.random.default_rng(5))
    c = train_input(cfg, sample, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.isfinite(a).all() and a.shape == (32, 17, 3)
    d = augment.augment_3d(sample.joints, np.random.default_rng(5), 32, {})
    assert np.isfinite(d).all() and d.shape == (32, 20, 3)


def test_the_projects_export_writes_the_contract_names_and_a_dynamic_batch(tmp_path):
    # A tiny two-stream checkpoint as train.py writes it, through export.export (what `portal train` ships): the
    # ONNX file must carry the names and shapes the C# ActionRecognizer reads, with the batch axis left free.
    from portal_actions.export import export
    from portal_actions.model import build_model
    cfg = {"name": "tiny", "datasets": ["nw-ucla"], "layout": "coco17", "window": 16,
           "model": {"channels": 16, "blocks": 1, "heads": 2, "key_dim": 4, "dropout": 0.0},
           "streams": [{"name": "joint", "features": ["joint"]}, {"name": "bone", "features": ["bone"]}]}
    labels = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
    torch.manual_seed(0)
    model = build_model(cfg, "coco17", len(labels))
    torch.save({"config": cfg, "state_dict": model.state_dict(), "labels": labels}, tmp_path / "model.pt")

    path = export(tmp_path / "model.pt", tmp_path / "out", limit=4)

    assert path == tmp_path / "out" / "tiny.onnx"
    g = onnx.load(str(path)).graph
    card = json.loads((tmp_path / "out" / "tiny.card.json").read_text())
    assert [i.name for i in g.input] == ["joints"] == [card["input"]["name"]]
    assert [o.name for o in g.output] == ["logits", "frame_attention", "joint_attention"] == list(card["outputs"])

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert dims(g.input[0]) == card["input"]["shape"] == ["batch", 16, 17, 3]
    assert [dims(o) for o in g.output] == list(card["outputs"].values()) == [
        ["batch", 10], ["batch", 16], ["batch", 16, 17]]
    parity = json.loads((tmp_path / "out" / "tiny.parity.json").read_text())
    assert parity["model"] == "tiny" and parity["shape"][1:] == [16, 17, 3]


def test_a_stream_ensemble_averages_logits_and_pooling_weights_and_keeps_the_contract():
    from portal_actions.model import build_model
    cfg = {"window": 16, "model": {"channels": 16, "blocks": 1, "heads": 2, "key_dim": 4, "dropout": 0.0},
           "streams": [{"name": "joint", "features": ["joint"]}, {"name": "bone-motion", "features": ["bone_motion"]}]}
    torch.manual_seed(0)
    ensemble = build_model(cfg, "kinect20", 4).eval()
    x = torch.randn(3, 16, 20, 3)
    with torch.no_grad():
        logits, frame_att, joint_att = ensemble(x)
        parts = [s(x) for s in ensemble.streams]
    torch.testing.assert_close(logits, (parts[0][0] + parts[1][0]) / 2)
    alpha = sum(fa.unsqueeze(-1) * ja for _, fa, ja in parts) / 2
    torch.testing.assert_close(frame_att.unsqueeze(-1) * joint_att, alpha)
    torch.testing.assert_close(frame_att.sum(1), torch.ones(3))
    torch.testing.assert_close(joint_att.sum(2), torch.ones(3, 16))
    # The streams really see different features of the same window.
    assert not torch.allclose(parts[0][0], parts[1][0])


def test_bone_motion_is_the_motion_of_the_bones():
    torch.manual_seed(0)
    m = ActionGCN("kinect20", 3, 8, channels=8, blocks=1, heads=2, key_dim=2, features=("bone_motion",))
    x = torch.randn(1, 8, 20, 3)
    f = m.input_features(x)                              # [1, 3, 8, 20]
    bones = x - x[:, :, m.parents]                        # [1, T, V, 3]
    expected = (bones[:, 1:] - bones[:, :-1]).permute(0, 3, 1, 2)
    torch.testing.assert_close(f[:, :, :-1], expected)
    assert torch.count_nonzero(f[:, :, -1]) == 0


def test_rollout_moves_the_pooling_weight_back_through_every_graph_convolution_and_keeps_each_frames_mass():
    torch.manual_seed(0)
    m = ActionGCN("kinect20", 4, 12, channels=16, blocks=2, heads=2, key_dim=4).eval()
    x = torch.randn(2, 12, 20, 3)
    with torch.no_grad():
        m.joint_attention = "pooling"
        _, fa_pool, ja_pool = m(x)
        m.joint_attention = "rollout"
        logits, fa, ja = m(x)
        h = m.embed(m.input_features(x)) + m.joint_embedding
        mixings = []
        for layer in m.blocks:
            if hasattr(layer, "forward_mixing"):
                h, mix = layer.forward_mixing(h)
                mixings.append(mix)
            else:
                h = layer(h)
    torch.testing.assert_close(fa, fa_pool)
    torch.testing.assert_close(ja.sum(2), torch.ones(2, 12))
    r = fa_pool.unsqueeze(-1) * ja_pool
    for mix in reversed(mixings):
        torch.testing.assert_close(mix.sum(-1), torch.ones_like(mix.sum(-1)))
        r = 0.5 * r + 0.5 * torch.einsum("ntv,ntvu->ntu", r, mix)
    torch.testing.assert_close(fa.unsqueeze(-1) * ja, r)
    assert not torch.allclose(ja, ja_pool)


def test_ignored_joints_cannot_reach_the_output():
    # The default 2D model ignores the eyes and ears: whatever they hold, logits and attention stay the same.
    torch.manual_seed(0)
    m = ActionGCN("coco17", 4, 8, channels=16, blocks=1, heads=2, key_dim=4, features=("joint", "bone", "motion"),
                  ignore_joints=(1, 2, 3, 4)).eval()
    x = torch.randn(2, 8, 17, 3)
    y = x.clone()
    y[:, :, 1:5] = torch.randn(2, 8, 4, 3) * 5
    z = x.clone()
    z[:, :, 0] += 1.0                                      # the nose is still seen
    with torch.no_grad():
        a, b, c = m(x), m(y), m(z)
    for u, v in zip(a, b):
        torch.testing.assert_close(u, v)
    assert not torch.allclose(a[0], c[0])


def test_the_horizontal_flip_mirrors_the_body_and_swaps_left_and_right():
    sample = load_nwucla("test", limit=1)[0]
    kp = augment.virtual_camera_2d(sample.joints, np.random.default_rng(3), {})
    cfg = {"min_crop": 1.0, "missing_frames": 0.0}
    plain = augment.augment_2d(kp, np.random.default_rng(4), 32, {**cfg, "flip": 0.0})
    flipped = augment.augment_2d(kp, np.random.default_rng(4), 32, {**cfg, "flip": 1.0})
    np.testing.assert_allclose(flipped[:, 5, 0], -plain[:, 6, 0])   # left shoulder <- mirrored right shoulder
    np.testing.assert_allclose(flipped[:, 15, 1:], plain[:, 16, 1:])  # left ankle <- right ankle (y, score)
    np.testing.assert_allclose(flipped[:, 0, 0], -plain[:, 0, 0])


def test_the_dct_matrix_is_scipys_orthonormal_dct_ii_and_its_transpose_inverts_it():
    from scipy.fft import dct, idct
    from portal_actions.model import dct_matrix
    x = np.random.default_rng(0).normal(size=17)
    d = dct_matrix(17)
    np.testing.assert_allclose(d @ x, dct(x, type=2, norm="ortho"), atol=1e-12)
    np.testing.assert_allclose(d.T @ (d @ x), x, atol=1e-12)
    np.testing.assert_allclose(d.T @ x, idct(x, type=2, norm="ortho"), atol=1e-12)


def test_frequency_attention_changes_the_output_once_mixed_in_and_exports_as_plain_operators(tmp_path):
    torch.manual_seed(0)
    m = ActionGCN("coco17", 4, 8, channels=16, blocks=1, heads=2, key_dim=4, frequency_low=5).eval()
    x = torch.randn(2, 8, 17, 3)
    with torch.no_grad():
        before = m(x)[0]
        m.blocks[0].frequency_mix.fill_(0.5)
        after = m(x)[0]
        _, fa, ja = m(x)
    assert not torch.allclose(before, after)                 # the branch is really in the path
    torch.testing.assert_close(ja.sum(2), torch.ones(2, 8))  # the attention contract holds
    path = tmp_path / "f.onnx"
    torch.onnx.export(m, x, str(path), opset_version=17, input_names=["joints"])
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "MatMul" in ops and not ops & {"DFT", "STFT"}


def test_skipping_the_attention_outputs_leaves_the_logits_and_their_gradients_unchanged():
    # Training calls model(x, attention=False) to save the mixing matrices and the rollout; it must train the same
    # network: same logits (train mode, same dropout draws) and same gradients, for one model and an ensemble.
    from portal_actions.model import build_model
    for cfg in ({"window": 16, "model": {"channels": 16, "blocks": 2, "heads": 2, "key_dim": 4, "frequency_low": 4,
                                         "features": ["joint", "bone"]}},
                {"window": 16, "model": {"channels": 16, "blocks": 1, "heads": 2, "key_dim": 4},
                 "streams": [{"name": "j", "features": ["joint"]}, {"name": "m", "features": ["motion"]}]}):
        torch.manual_seed(0)
        m = build_model(cfg, "coco17", 5).train()
        x = torch.randn(4, 16, 17, 3)
        grads = []
        for attention in (True, False):
            torch.manual_seed(1)
            out = m(x, attention=attention)
            assert (out[1] is None) == (not attention)
            m.zero_grad()
            out[0].square().sum().backward()
            grads.append((out[0].detach(), [p.grad.clone() for p in m.parameters()]))
        torch.testing.assert_close(grads[0][0], grads[1][0], rtol=0, atol=0)
        for a, b in zip(grads[0][1], grads[1][1]):
            torch.testing.assert_close(a, b, rtol=0, atol=0)


def _bottleneck_model(**options):
    from portal_actions.model import build_model
    cfg = {"window": 8, "model": {"channels": 16, "blocks": 1, "heads": 2, "key_dim": 4, "dropout": 0.0,
                                  "bottleneck": options}}
    torch.manual_seed(0)
    return build_model(cfg, "coco17", 4)


def test_the_bottleneck_prior_means_are_orthogonal_with_the_configured_norm():
    m = _bottleneck_model(gain=3.0)
    prior = m.bottleneck.prior
    assert prior.shape == (4, 16)
    torch.testing.assert_close(prior @ prior.T, 9.0 * torch.eye(4), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="at least the number of labels"):
        _bottleneck_model(latent=3)


def test_the_bottleneck_loss_is_the_class_mean_mmd_plus_the_mean_norm():
    m = _bottleneck_model(mmd_weight=0.1, mean_weight=1e-4)
    z = torch.randn(6, 16)
    y = torch.tensor([0, 0, 2, 2, 2, 3])  # class 1 absent from the batch: left out
    prior = m.bottleneck.prior
    means = torch.stack([z[:2].mean(0), z[2:5].mean(0), z[5]])
    expected = 0.1 * ((means - prior[[0, 2, 3]]) ** 2).mean() + 1e-4 * z.mean(0).norm()
    torch.testing.assert_close(m.bottleneck.loss(z, y), expected)


def test_the_bottleneck_samples_in_training_and_uses_the_mean_at_evaluation(tmp_path):
    m = _bottleneck_model()
    x = torch.randn(3, 8, 17, 3)
    m.train()
    torch.manual_seed(1)
    a = m(x, attention=False)
    torch.manual_seed(2)
    b = m(x, attention=False)
    assert a[1].shape == (3, 16) and not torch.allclose(a[1], b[1])  # z = mu + std * eps: a fresh eps per call
    m.eval()
    with torch.no_grad():
        logits, latent, _ = m(x, attention=False)
        again = m(x)[0]
        h = m.blocks(m.embed(m.input_features(x)) + m.joint_embedding)
        n, c, t, v = h.shape
        alpha = torch.softmax(m.pool_score(h).reshape(n, t * v), dim=1)
        pooled = torch.matmul(h.reshape(n, c, t * v), alpha.unsqueeze(-1)).squeeze(-1)
        mu = m.bottleneck.mu(torch.relu(m.bottleneck.hidden(pooled)))
    torch.testing.assert_close(latent, mu)
    torch.testing.assert_close(logits, m.bottleneck.decoder(mu))
    torch.testing.assert_close(again, logits)
    # The exported graph is plain (no sampling, no log-variance branch) and computes the same logits.
    path = tmp_path / "ib.onnx"
    torch.onnx.export(m, x, str(path), opset_version=17, input_names=["joints"])
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert not ops & {"RandomNormal", "RandomNormalLike", "Exp"}


def test_training_with_the_bottleneck_pulls_the_class_means_towards_the_prior():
    m = _bottleneck_model(mmd_weight=1.0).train()
    x = torch.randn(16, 8, 17, 3)
    y = torch.arange(16) % 4
    opt = torch.optim.SGD(m.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        torch.manual_seed(0)
        logits, z, _ = m(x, attention=False)
        term = m.bottleneck.loss(z, y)
        loss = torch.nn.functional.cross_entropy(logits, y) + term
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(term))
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in m.bottleneck.parameters())  # the log-variance branch is trained too
