import json

import numpy as np
import pytest

from portal_actions.data import (MSR_LABELS, NWUCLA_LABELS, PENN_CLASSES, PENN_LABELS, UNION_LABELS, data_root,
                                 load_msr, load_nwucla, load_penn, penn_validation_ids, read_msr_file, read_penn_file,
                                 read_portal_skeleton_json, union_labels)
from portal_actions.skeletons import KINECT20_EDGES


def test_nwucla_standard_split_has_464_test_files_of_view_3():
    folder = data_root() / "skeleton" / "nw_ucla" / "all_sqe"
    test_files = [p for p in folder.glob("*.json") if p.stem.endswith("_v03")]
    assert len(test_files) == 464
    sample = load_nwucla("test", limit=1)[0]
    assert sample.view == 3 and sample.joints.shape[1:] == (20, 3)


def test_msr_cross_subject_split_covers_the_557_listed_files():
    train, test = load_msr("train"), load_msr("test")
    assert len(train) + len(test) == 557
    assert {s.subject for s in train} == {1, 3, 5, 7, 9}
    assert {s.subject for s in test} == {2, 4, 6, 8, 10}


def _median_bones(samples):
    lengths = []
    for s in samples:
        j = s.joints
        lengths.append([np.median(np.linalg.norm(j[:, a] - j[:, b], axis=-1)) for a, b in KINECT20_EDGES])
    return np.median(np.array(lengths), axis=0)


def test_msr_joint_mapping_gives_the_same_skeleton_as_nwucla():
    # Derived-from-data check of MSR_TO_KINECT20: after the mapping, every limb bone (shoulder..hand, hip..ankle)
    # has about the length it has in NW-UCLA; a swapped joint would make one far too long or short. The torso,
    # hip and foot bones differ by design of the two trackers (MSR's hips sit 0.22 m from the hip centre,
    # NW-UCLA's 0.09 m), so they are not compared.
    msr = load_msr("train", limit=40)
    ucla = load_nwucla("train", limit=40)
    ratio = _median_bones(msr) / _median_bones(ucla)
    limbs = [i for i, (a, b) in enumerate(KINECT20_EDGES) if a not in (0, 1, 14, 18) and b not in (1, 12, 16)]
    assert len(limbs) == 13
    assert np.all((ratio[limbs] > 0.75) & (ratio[limbs] < 1.4)), ratio
    # ... the head is above the neck, the neck above the spine and the spine above the hip centre ...
    j = np.concatenate([s.joints for s in msr])
    assert np.median(j[:, 3, 1] - j[:, 2, 1]) > 0.05
    assert np.median(j[:, 2, 1] - j[:, 1, 1]) > 0.05
    assert np.median(j[:, 1, 1] - j[:, 0, 1]) > 0.0
    # ... and left joints sit at the smaller x, as in NW-UCLA (people face the camera in both datasets).
    for a, b in [(4, 8), (12, 16)]:
        assert np.median(j[:, a, 0] - j[:, b, 0]) < 0
        uj = np.concatenate([s.joints for s in ucla])
        assert np.median(uj[:, a, 0] - uj[:, b, 0]) < 0


def test_nwucla_head_is_the_highest_joint_when_standing():
    sample = load_nwucla("train", limit=60)
    highest = [np.argmax(s.joints[len(s.joints) // 2, :, 1]) for s in sample if len(s.joints) > 5]
    assert np.mean(np.array(highest) == 3) > 0.8


def test_union_labels_keep_every_action_once_and_merge_only_golf_swing_and_tennis_serve():
    assert len(set(UNION_LABELS)) == len(UNION_LABELS) == 10 + 20 + 15 - 2
    assert set(MSR_LABELS) & set(PENN_LABELS) == {"golf swing", "tennis serve"}
    assert set(NWUCLA_LABELS) & (set(MSR_LABELS) | set(PENN_LABELS)) == set()
    assert union_labels(["nw-ucla", "msr-action3d"]) == NWUCLA_LABELS + MSR_LABELS  # the 3D models' order


def test_portal_skeleton_json_groups_persons_by_track(tmp_path):
    kp = [[float(i), float(i), 0.9] for i in range(17)]
    doc = {"layout": "coco17", "fps": 30.0, "width": 100, "height": 100, "frames": [
        {"index": 0, "time": 0.0, "persons": [{"trackId": 1, "box": [0, 0, 1, 1, 1], "keypoints": kp},
                                              {"trackId": 2, "box": [0, 0, 1, 1, 1], "keypoints": kp}]},
        {"index": 1, "time": 0.033, "persons": [{"trackId": 2, "box": [0, 0, 1, 1, 1], "keypoints": kp}]},
    ]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    tracks = read_portal_skeleton_json(path)
    assert tracks["1"].shape == (1, 17, 3)
    assert tracks["2"].shape == (2, 17, 3)
    assert tracks["2:time"].tolist() == [0.0, 0.033]


def test_msr_reader_rejects_a_file_name_it_cannot_parse(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text(" ".join(["0"] * 80))
    with pytest.raises(ValueError):
        read_msr_file(bad)


def test_penn_action_joints_map_to_coco17_with_the_persons_left_and_right():
    # The dataset's documented "left" is the person's right (skeletons.py): after the mapping, a person seen from
    # the front shows COCO's left shoulder and hip on the image's right (larger x), one seen from the back on its
    # left, as MoveNet reports them.
    from scipy.io import loadmat
    folder = data_root() / "skeleton" / "penn_action" / "train"
    by_view = {"front": [], "back": []}
    for path in sorted(folder.glob("*.mat"))[::4]:
        view = str(loadmat(str(path))["pose"][0])
        if view in by_view:
            j = read_penn_file(path).joints
            both = (j[:, 5, 2] > 0) & (j[:, 6, 2] > 0) & (j[:, 11, 2] > 0) & (j[:, 12, 2] > 0)
            if both.any():
                by_view[view].append(np.median(j[both, 5, 0] - j[both, 6, 0] + j[both, 11, 0] - j[both, 12, 0]))
    assert np.mean(np.array(by_view["front"]) > 0) > 0.75, by_view["front"]
    assert np.mean(np.array(by_view["back"]) < 0) > 0.7, by_view["back"]


def test_penn_action_clip_reads_as_coco17_with_visibility_as_score_and_no_eyes_or_ears():
    s = read_penn_file(data_root() / "skeleton" / "penn_action" / "train" / "0002.mat")
    assert s.layout == "coco17" and s.joints.shape[1:] == (17, 3) and PENN_CLASSES[s.label] == "baseball_pitch"
    assert s.image_size == (480, 270)
    assert np.all(s.joints[:, 1:5] == 0)                       # eyes and ears: absent, as a missing joint
    assert set(np.unique(s.joints[:, [0] + list(range(5, 17)), 2])) <= {0.0, 1.0}
    assert 0.5 < s.joints[:, 5:, 2].mean() < 1.0               # some joints are not visible
    # The head is above the shoulders, the shoulders above the hips (image y points down).
    assert np.median(s.joints[:, 0, 1]) < np.median(s.joints[:, 5, 1]) < np.median(s.joints[:, 11, 1])


def test_penn_action_validation_split_is_a_fifth_of_each_class_by_clip_and_fixed():
    train, val = load_penn("train"), load_penn("test")
    assert len(train) + len(val) == 1258 and not {s.id for s in train} & {s.id for s in val}
    for k in range(len(PENN_CLASSES)):
        n_val, n_all = sum(s.label == k for s in val), sum(s.label == k for s in train + val)
        assert n_val == (2 * n_all + 5) // 10, PENN_CLASSES[k]
    # Drawn from the hash of the seed and the clip: the same clips every time, others for another seed.
    classes = {s.id: PENN_CLASSES[s.label] for s in train + val}
    assert penn_validation_ids(classes) == {s.id for s in val}
    assert sorted(penn_validation_ids(classes))[:5] == ["0011", "0021", "0023", "0032", "0038"]


def test_the_label_page_lists_every_label_of_the_default_model_with_its_source_datasets():
    from portal_actions.data import DATASET_LABELS, REPO_ROOT
    names = {"NW-UCLA": "nw-ucla", "MSR Action3D": "msr-action3d", "Penn Action": "penn-action"}
    rows = [line.split("|")[1:-1] for line in (REPO_ROOT / "docs" / "action-labels.md").read_text().splitlines()
            if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    assert [int(r[0]) for r in rows] == list(range(len(UNION_LABELS)))
    assert [r[1].strip() for r in rows] == UNION_LABELS
    for r in rows:
        sources = {names[s.strip()] for s in r[2].split(",")}
        assert sources == {d for d, labels in DATASET_LABELS.items() if r[1].strip() in labels}, r
