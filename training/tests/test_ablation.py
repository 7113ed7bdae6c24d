import json

import numpy as np
import pytest

from portal_actions import ablation, augment
from portal_actions.normalize import normalize


def test_random_resample_draws_sorted_frames_from_the_whole_clip():
    frames = np.arange(100, dtype=np.float64)[:, None, None] * np.ones((1, 20, 3))
    rng = np.random.default_rng(0)
    picks = [augment.temporal_sample(frames, rng, 32, {"temporal": "resample"})[:, 0, 0] for _ in range(50)]
    for p in picks:
        assert np.all(np.diff(p) > 0)                      # time order kept, no frame twice
    spread = np.concatenate(picks)
    assert spread.min() < 5 and spread.max() > 94          # not a crop: both ends of the clip are reached
    short = augment.temporal_sample(frames[:10], rng, 32, {"temporal": "resample"})[:, 0, 0]
    assert len(short) == 32 and np.all(np.diff(short) >= 0)
    with pytest.raises(ValueError, match="crop or resample"):
        augment.temporal_sample(frames, rng, 32, {"temporal": "shuffle"})


def test_first_frame_spine_centring_puts_that_joint_at_the_origin():
    w = np.random.default_rng(1).normal(size=(8, 20, 3))
    x = normalize(w, "kinect20", "first-frame-spine")
    np.testing.assert_allclose(x[0, 1], 0.0, atol=1e-12)
    np.testing.assert_allclose(x[3] - x[2], w[3] - w[2])   # a translation only
    default = normalize(w, "kinect20")
    np.testing.assert_allclose(default[:, 0].mean(0), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="normalize.centre"):
        normalize(w, "kinect20", "neck")
    with pytest.raises(ValueError, match="kinect20"):  # a 2D config cannot ask for it and be silently ignored
        normalize(np.ones((8, 17, 3)), "coco17", "first-frame-spine")


def test_a_row_changes_only_its_own_settings():
    cfg = {"train": {"epochs": 300, "label_smoothing": 0.1, "lr": 0.1}, "augment": {"yaw": 45, "scale": 0.15},
           "model": {"channels": 64}}
    row = ablation.merged(cfg, ablation.ROWS["rotate-xy-60"][1])
    assert row["augment"] == {"yaw": 60, "pitch": 60, "roll": 0, "scale": 0.15}
    assert row["train"] == cfg["train"] and cfg["augment"] == {"yaw": 45, "scale": 0.15}
    assert ablation.merged(cfg, ablation.ROWS["bottleneck"][1])["model"] == {"channels": 64, "bottleneck": {}}
    assert ablation.merged(cfg, ablation.ROWS["baseline"][1]) == cfg


def test_the_report_gives_each_row_against_the_baseline(tmp_path):
    rows = [{"row": "baseline", "seed": 7, "val": 0.80, "test": 0.70, "seconds": 60},
            {"row": "baseline", "seed": 8, "val": 0.90, "test": 0.72, "seconds": 60},
            {"row": "bottleneck", "seed": 7, "val": 0.88, "test": 0.75, "seconds": 120}]
    table = ablation.report(rows)
    assert "| baseline |" in table and "| 85.0 (80.0, 90.0) |" in table
    line = next(l for l in table.splitlines() if l.startswith("| bottleneck"))
    assert "| +3.0 |" in line and "| 2.0 |" in line


def test_a_union_is_judged_on_all_its_clips_pooled():
    result = {"nw-ucla": {"top1": 0.5, "n": 10}, "penn-action": {"top1": 1.0, "n": 30}}
    assert ablation.pooled(result, ["nw-ucla", "penn-action"]) == pytest.approx(0.875)


def test_a_smoke_run_trains_on_the_pool_and_judges_on_the_held_out_recordings(tmp_path):
    import yaml
    cfg = yaml.safe_load((ablation.Path(__file__).resolve().parents[1] / "configs/actions-nwucla-3d.yaml").read_text())
    cfg["model"] = {**cfg["model"], "channels": 8, "blocks": 1}
    r = ablation.run(cfg, "joint", "centre-first-spine", 7, 1, tmp_path / "run")
    assert r["row"] == "centre-first-spine" and 0.0 <= r["val"] <= 1.0 and 0.0 <= r["test"] <= 1.0
    assert r["val"] == r["by_dataset"]["nw-ucla"]["val"]
    assert (tmp_path / "run" / "model.pt").exists()
    # The product centres on the window's mean hip: a model trained otherwise must not reach it.
    from portal_actions.export import export
    with pytest.raises(ValueError, match="cannot be exported"):
        export(tmp_path / "run" / "model.pt", tmp_path / "export")
