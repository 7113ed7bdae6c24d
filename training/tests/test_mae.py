"""SkeletonMAE pretraining (portal_actions.mae): the masks, that masked joints cannot leak into their own
reconstruction, and that the saved encoder is what finetune --encoder loads."""
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml

from portal_actions.bench_labels import (arm_rates, label_subset, optimizer, steps_for, unlabelled_clips,
                                         validation_split)
from portal_actions.data import load_msr, load_nwucla, load_penn
from portal_actions.experiment import train_input
from portal_actions.mae import BODY_PARTS, SkeletonMAE, make_mask, pretrain, save_encoder, track_samples
from portal_actions.model import ActionGCN
from reviewed_fixture import write_set

TRAINING = Path(__file__).resolve().parents[1]


def test_masks_are_whole_body_parts_or_runs_of_whole_frames():
    mask = make_mask(200, 32, "coco17", np.random.default_rng(0))
    parts = [set(p) for p in BODY_PARTS["coco17"]]
    kinds = set()
    for m in mask:
        if m.all(axis=1).any():  # frame level: runs of 4 whole frames, 40% of the window
            kinds.add("frame")
            assert m.any(axis=1).sum() == 12 and (m.all(axis=1) == m.any(axis=1)).all()
            assert all(m[r * 4:(r + 1) * 4].all() or not m[r * 4:(r + 1) * 4].any() for r in range(8))
        else:                    # joint level: one or two body parts in every frame
            kinds.add("joint")
            joints = set(np.flatnonzero(m[0]))
            assert (m == m[0]).all() and any(joints == p or joints == p | q for p in parts for q in parts)
    assert kinds == {"frame", "joint"}


def test_masked_joints_do_not_reach_their_own_reconstruction():
    torch.manual_seed(0)
    mae = SkeletonMAE(ActionGCN("coco17", 1, 16, channels=16, blocks=1, heads=2, key_dim=4,
                                features=("joint", "bone", "motion"))).eval()
    x = torch.randn(2, 16, 17, 3)
    mask = torch.from_numpy(make_mask(2, 16, "coco17", np.random.default_rng(1)))
    changed = x.clone()
    changed[mask] = torch.randn(int(mask.sum()), 3) * 5
    with torch.no_grad():
        torch.testing.assert_close(mae(x, mask), mae(changed, mask))
        assert not torch.allclose(mae(x, mask), mae(x, torch.zeros_like(mask)))


def test_pretrained_encoder_is_saved_without_the_decoder_and_fine_tuning_loads_it(tmp_path):
    reviewed = write_set(tmp_path / "reviewed", videos=4)
    base_cfg = yaml.safe_load((TRAINING / "configs" / "actions-coco2d.yaml").read_text())
    cfg = {**base_cfg, "augment": {}}
    samples = track_samples(reviewed / "tracks", 2.0, 1.0, "coco17")
    assert len(samples) == 4 * 11 and all(s.joints.shape[1:] == (17, 3) for s in samples)
    model, losses = pretrain(cfg, samples[:16], epochs=1, batch=8, log=lambda m: None)
    enc = tmp_path / "actions-coco2d.encoder.pt"
    save_encoder(model, cfg, enc, {"base": "actions-coco2d"})
    saved = torch.load(enc)["state_dict"]
    assert "blocks.0.qk.weight" in saved
    assert not any(k.startswith(("classifier", "pool_score", "decode", "mask_token")) for k in saved)
    assert json.loads((tmp_path / "actions-coco2d.encoder.json").read_text())["base"] == "actions-coco2d"
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "portal_actions.finetune", "--data", str(reviewed), "--base",
                        str(TRAINING.parent / "models/actions/actions-coco2d.onnx"), "--out", str(out), "--name", "t",
                        "--version", "1", "--epochs", "1", "--min-windows", "5", "--encoder", str(enc)],
                       cwd=TRAINING, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert json.loads((out / "t.card.json").read_text())["training"]["encoder"] == str(enc)


def _clip(sample_id):
    return SimpleNamespace(id=sample_id)


def test_label_subsets_keep_every_class_and_are_reproducible():
    train = [("msr-action3d", _clip(f"a{y}_s{i}"), y) for y in range(3) for i in range(40)]
    sub = label_subset(train, 0.05, 7)
    assert sorted(y for _, _, y in sub) == [0, 0, 1, 1, 2, 2]  # ceil(0.05 * 40) = 2 of each class
    assert [id(s) for s in sub] == [id(s) for s in label_subset(train, 0.05, 7)]
    assert [id(s) for s in sub] != [id(s) for s in label_subset(train, 0.05, 8)]


def test_the_views_of_one_nwucla_performance_stay_together():
    # NW-UCLA films a performance from several views at once: a validation clip whose other view is labelled
    # training data would make validation easy, so splits and subsets take whole performances.
    train = [("nw-ucla", _clip(f"a0{y}_s{s:02d}_e0{e}_v0{v}"), y)
             for y in range(2) for s in range(10) for e in range(2) for v in (1, 2)]
    pool, val = validation_split(train)
    performance = lambda c: c[1].id[:-4]  # noqa: E731
    assert len(pool) + len(val) == len(train) and not {performance(c) for c in pool} & {performance(c) for c in val}
    assert sorted(y for _, _, y in val) == [0] * 8 + [1] * 8  # a fifth of each class's 20 performances, 2 views each
    sub = label_subset(pool, 0.1, 7)
    assert len(sub) == 2 * 2 * 2 and all(sum(performance(c) == performance(d) for d in sub) == 2 for c in sub)


def test_both_arms_get_the_same_epochs_with_a_floor_of_steps():
    assert steps_for(clips=1000, epochs=40, batch=32, min_steps=150) == 1250
    assert steps_for(clips=50, epochs=40, batch=32, min_steps=150) == 150
    assert steps_for(clips=10, epochs=40, batch=32, min_steps=0) == 40  # a batch is the whole subset


def test_the_pretrained_encoder_learns_slower_than_the_head_and_waits_for_it():
    model = ActionGCN("kinect20", 5, 16, channels=16, blocks=1, heads=2, key_dim=4)
    opt, sched = optimizer(model, lr=0.1, weight_decay=0.0, steps=100, encoder_lr=0.2, head_warmup=20)
    encoder_params = {id(p) for n, p in model.named_parameters() if not n.startswith(("pool_score", "classifier"))}
    assert {id(p) for p in opt.param_groups[0]["params"]} == encoder_params
    rates = []
    for _ in range(100):
        rates.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    assert all(enc == 0.0 for enc, _ in rates[:20]) and rates[9][1] == pytest.approx(0.1)
    assert all(enc == pytest.approx(0.2 * head) for enc, head in rates[20:]) and rates[50][1] > 0.05


def test_a_linear_probe_freezes_the_encoder_of_both_arms():
    assert arm_rates(pretrained=False, encoder_lr=0.1, head_warmup=30, probe=False) == (1.0, 0)
    assert arm_rates(pretrained=True, encoder_lr=0.1, head_warmup=30, probe=False) == (0.1, 30)
    for pretrained in (False, True):
        assert arm_rates(pretrained, encoder_lr=0.1, head_warmup=30, probe=True) == (0.0, 0)
    model = ActionGCN("kinect20", 5, 16, channels=16, blocks=1, heads=2, key_dim=4)
    opt, sched = optimizer(model, lr=0.1, weight_decay=4e-4, steps=10, encoder_lr=0.0)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for _ in range(3):
        model(torch.randn(4, 16, 20, 3), attention=False)[0].sum().backward()
        opt.step()
        sched.step()
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed and all(n.startswith(("pool_score", "classifier")) for n in changed)


def test_a_masked_body_part_is_reconstructed_from_the_visible_joints():
    # A hand is masked with its whole arm: its reconstruction must still depend on what is visible (the other arm,
    # the torso), or its loss teaches the encoder nothing (it was a constant with GraphMAE's re-masking and a
    # one-hop decoder).
    torch.manual_seed(0)
    mae = SkeletonMAE(ActionGCN("kinect20", 1, 16, channels=16, blocks=1, heads=2, key_dim=4,
                                features=("joint", "bone"))).eval()
    for p in mae.parameters():  # trained-looking tokens and weights, not zeros
        torch.nn.init.normal_(p, std=0.3)
    mask = torch.zeros(2, 16, 20, dtype=torch.bool)
    mask[:, :, BODY_PARTS["kinect20"][1]] = True  # left arm 4-7, every frame
    x = torch.randn(2, 16, 20, 3)
    other = x.clone()
    other[:, :, 8:12] += torch.randn(2, 16, 4, 3)  # move the visible right arm
    with torch.no_grad():
        hand, hand_other = mae(x, mask)[:, :, 7], mae(other, mask)[:, :, 7]
    assert (hand - hand_other).abs().max() > 1e-3


def test_the_loss_ignores_the_detector_score_in_2d():
    torch.manual_seed(0)
    mae = SkeletonMAE(ActionGCN("coco17", 1, 16, channels=16, blocks=1, heads=2, key_dim=4)).eval()
    x = torch.rand(2, 16, 17, 3) + 0.1
    mask = torch.from_numpy(make_mask(2, 16, "coco17", np.random.default_rng(3)))
    other = x.clone()
    other[..., 2] = torch.where(mask, other[..., 2] + 0.5, other[..., 2])  # masked scores change, still > 0
    with torch.no_grad():
        torch.testing.assert_close(mae.loss(x, mask), mae.loss(other, mask))


def test_the_motion_target_is_each_masked_joints_step_to_the_next_frame():
    encoder = ActionGCN("kinect20", 1, 8, channels=16, blocks=1, heads=2, key_dim=4)
    mae = SkeletonMAE(encoder, target="motion")
    t = torch.arange(8, dtype=torch.float32).reshape(1, 8, 1, 1)
    joints = torch.cat([t * 0.5, t * -0.25, torch.ones_like(t)], dim=-1).expand(1, 8, 20, 3).clone()
    step = torch.tensor([0.5, -0.25, 0.0]).expand(1, 8, 20, 3)
    mask = torch.zeros(1, 8, 20, dtype=torch.bool)
    mask[:, 3] = True
    mae.forward = lambda j, m: step                      # a perfect motion prediction
    assert float(mae.loss(joints, mask)) == pytest.approx(0.0)
    mae.forward = lambda j, m: joints                    # the positions themselves are not the target
    assert float(mae.loss(joints, mask)) > 1.0
    with pytest.raises(ValueError):
        SkeletonMAE(encoder, target="velocity")


def test_pretraining_may_augment_differently_from_training(tmp_path, monkeypatch):
    import portal_actions.mae as mae_module
    seen = []
    real_input = mae_module.train_input

    def recording_input(cfg, sample, rng):
        seen.append(dict(cfg["augment"]))
        return real_input(cfg, sample, rng)

    monkeypatch.setattr(mae_module, "train_input", recording_input)
    reviewed = write_set(tmp_path / "reviewed", videos=1)
    base_cfg = yaml.safe_load((TRAINING / "configs" / "actions-coco2d.yaml").read_text())
    cfg = {**base_cfg, "augment": {"drop": 0.1, "partial": 0.15}, "pretrain": {"augment": {"drop": 0.0}}}
    samples = track_samples(reviewed / "tracks", 2.0, 1.0, "coco17")
    pretrain(cfg, samples[:4], epochs=1, batch=4, log=lambda m: None)
    assert seen and all(a == {"drop": 0.0, "partial": 0.15} for a in seen)
    assert cfg["augment"] == {"drop": 0.1, "partial": 0.15}  # the caller's config is left as it was


def test_pretraining_may_add_other_datasets_unlabelled_but_never_one_the_config_evaluates():
    cfg = yaml.safe_load((TRAINING / "configs" / "bench-nwucla-3d.yaml").read_text())
    pool = [("nw-ucla", s, s.label) for s in load_nwucla("train", limit=6)]
    assert [s.id for s in unlabelled_clips(cfg, pool)] == [s.id for _, s, _ in pool]
    cfg["pretrain"] = {"unlabelled_datasets": ["msr-action3d"]}
    clips = unlabelled_clips(cfg, pool)
    assert len(clips) == len(pool) + 557 and {s.id for s in load_msr("test")} <= {s.id for s in clips}
    cfg["pretrain"] = {"unlabelled_datasets": ["nw-ucla"]}
    with pytest.raises(ValueError, match="one of the config's datasets"):
        unlabelled_clips(cfg, pool)
    cfg["pretrain"] = {"unlabelled_datasets": ["penn-action"]}
    with pytest.raises(ValueError, match="a 2D sample cannot feed a kinect20 model"):
        unlabelled_clips(cfg, pool)
    # The same rule where every training input is made, not only here.
    with pytest.raises(ValueError, match="a 2D sample cannot feed a kinect20 model"):
        train_input(cfg, load_penn("train", limit=1)[0], np.random.default_rng(0))
