import json

import numpy as np
import pytest

from portal_actions.data import (UNION_LABELS, load_msr, load_nwucla, read_msr_file, read_portal_skeleton_json,
                                 data_root)
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


def test_union_labels_keep_every_action_once():
    assert len(UNION_LABELS) == 30 and len(set(UNION_LABELS)) == 30


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
