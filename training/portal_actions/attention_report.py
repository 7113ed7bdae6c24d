"""Where the joint attention of a trained model concentrates, per class, on a test split; written as a markdown
table for docs/benchmarks.md.

For each test sample, w[v] = sum over t of frame_attention[t] * joint_attention[t, v] (the pooling weight of joint
v). Joints are grouped into body parts. Per class the table gives, for each part, the attention lift (the part's
share of attention divided by its share of joints: 1.0 = what uniform attention gives) and the motion lift (the
same for the mean frame-to-frame speed of the part's joints in the raw 3D clip, or for a 2D clip in its body-normalized
keypoints where the joint is seen), the three joints with most
attention, whether the most-attended part is the most-moving part, and the correlation of the two lifts across parts.

`python3 -m portal_actions.attention_report CHECKPOINT.pt [--dataset nw-ucla] [--control]`
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from .experiment import eval_input, labels_for, load_checkpoint, load_split
from .model import ActionGCN, build_model
from .normalize import normalize
from .skeletons import COCO17_NAMES, KINECT20_NAMES, kinect20_to_coco17_3d

GROUPS = {
    "kinect20": {"head/torso": [0, 1, 2, 3], "left arm": [4, 5, 6, 7], "right arm": [8, 9, 10, 11],
                 "left leg": [12, 13, 14, 15], "right leg": [16, 17, 18, 19]},
    "coco17": {"head/torso": [0, 1, 2, 3, 4], "left arm": [5, 7, 9], "right arm": [6, 8, 10],
               "left leg": [11, 13, 15], "right leg": [12, 14, 16]},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--dataset", default="nw-ucla")
    ap.add_argument("--control", action="store_true", help="same architecture, untrained (seed 0): the baseline")
    ap.add_argument("--joint-attention", choices=["rollout", "pooling"],
                    help="report this definition instead of the model's (docs/models.md)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, cfg, labels = load_checkpoint(args.checkpoint)
    if args.control:
        torch.manual_seed(0)
        model = build_model(cfg, cfg["layout"], len(labels)).eval()
    if args.joint_attention:
        for m in model.modules():
            if isinstance(m, ActionGCN):
                m.joint_attention = args.joint_attention
    layout = cfg["layout"]
    names = KINECT20_NAMES if layout == "kinect20" else COCO17_NAMES
    groups = GROUPS[layout]
    cfg = dict(cfg, datasets=[args.dataset])
    test = load_split(cfg, "test")  # labels indexed in that dataset's own list: mapped to the model's below
    x = torch.from_numpy(np.stack([eval_input(cfg, s) for _, s, _ in test]))
    with torch.no_grad():
        logits, fa, ja = model(x)
    w = (fa.unsqueeze(-1) * ja).sum(1).numpy()  # [N, V]
    own = labels_for(cfg)
    truth = np.array([labels.index(own[y]) for _, _, y in test])
    correct = logits.argmax(1).numpy() == truth
    motion = []
    for _, s, _ in test:
        if s.layout == "coco17":
            # A 2D clip: speed of the body-normalized keypoints, only between frames where the joint is seen.
            n = normalize(s.joints, "coco17")
            seen = (n[1:, :, 2] > 0) & (n[:-1, :, 2] > 0)
            step = np.linalg.norm(np.diff(n[..., :2], axis=0), axis=-1) * seen
            speed = step.mean(0) if len(n) > 1 else np.zeros(n.shape[1])
        else:
            j = s.joints if layout == "kinect20" else kinect20_to_coco17_3d(s.joints)
            speed = np.linalg.norm(np.diff(j, axis=0), axis=-1).mean(0) if len(j) > 1 else np.zeros(j.shape[1])
        motion.append(speed)
    motion = np.array(motion)
    gnames = list(groups)
    print("| class | n | top-1 | " + " | ".join(f"{g} (att / motion)" for g in gnames)
          + " | top-3 joints | most attended = most moving | r |")
    print("|---" * (len(gnames) + 6) + "|")
    rs, hits = [], 0
    size = np.array([len(idx) / len(names) for idx in groups.values()])
    for k, label in enumerate(labels):
        m = truth == k
        if not m.any():
            continue
        att_share = np.array([w[m][:, idx].sum(1).mean() for idx in groups.values()])
        mot = np.array([motion[m][:, idx].sum(1).mean() for idx in groups.values()])
        att_lift = att_share / size
        mot_lift = (mot / mot.sum()) / size
        r = float(np.corrcoef(att_lift, mot_lift)[0, 1]) if att_lift.std() > 1e-9 else 0.0
        rs.append(r)
        hit = int(np.argmax(att_lift) == np.argmax(mot_lift))
        hits += hit
        top = np.argsort(-w[m].mean(0))[:3]
        cells = " | ".join(f"{a:.2f} / {b:.2f}" for a, b in zip(att_lift, mot_lift))
        print(f"| {label} | {int(m.sum())} | {correct[m].mean():.2f} | {cells} | {', '.join(names[i] for i in top)} "
              f"| {'yes' if hit else 'no'} | {r:+.2f} |")
    print(f"\nmost attended part = most moving part in {hits} of {len(rs)} classes; mean r over classes {np.mean(rs):+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
