import json

import numpy as np

from portal_actions.fixtures import FIXTURE, build
from portal_actions.normalize import normalize, prepare, resample_indices
from portal_actions.skeletons import FACE, kinect20_to_coco17_3d, eval_projection
from portal_actions.data import load_nwucla


def test_committed_normalization_fixture_matches_the_python_spec():
    # The C# tests read the same file; if this fails, regenerate it with python3 -m portal_actions.fixtures.
    committed = json.loads(FIXTURE.read_text())
    current = build()
    for a, b in zip(committed["cases"], current["cases"]):
        assert a["name"] == b["name"]
        np.testing.assert_allclose(np.array(a["expected"]), np.array(b["expected"]), atol=1e-8)
    assert committed["resample"] == current["resample"]


def test_resample_covers_the_clip_evenly():
    assert resample_indices(32, 32).tolist() == list(range(32))
    assert resample_indices(1, 4).tolist() == [0, 0, 0, 0]
    assert resample_indices(64, 4).tolist() == [8, 24, 40, 56]


def test_kinect20_normalization_centres_the_mean_hip():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(10, 20, 3)) + np.array([1.0, 2.0, 3.0])
    n = normalize(w, "kinect20")
    np.testing.assert_allclose(n[:, 0].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(n[1] - n[0], w[1] - w[0], atol=1e-12)


def test_coco17_normalization_is_invariant_to_image_position_and_size():
    sample = load_nwucla("test", limit=1)[0]
    kp = eval_projection(sample.joints)
    moved = kp.copy()
    moved[..., :2] = moved[..., :2] * 2.5 + np.array([300.0, -40.0])
    np.testing.assert_allclose(normalize(kp, "coco17"), normalize(moved, "coco17"), atol=1e-9)


def test_coco17_zero_score_keypoints_become_zero():
    sample = load_nwucla("test", limit=1)[0]
    kp = eval_projection(sample.joints)
    kp[:, 9, 2] = 0.0
    n = normalize(kp, "coco17")
    assert np.all(n[:, 9, :] == 0)
    assert np.abs(n[:, 10, :2]).sum() > 0


def test_face_points_are_near_the_head_and_in_front_of_it():
    sample = load_nwucla("test", limit=1)[0]
    coco = kinect20_to_coco17_3d(sample.joints)
    head = sample.joints[:, 3]
    dist = np.linalg.norm(coco[:, FACE] - head[:, None], axis=-1)
    assert np.all(dist < 0.2)
    # The person faces the camera (z points away from it), so the nose is nearer the camera than the head.
    assert np.median(coco[:, 0, 2] - head[:, 2]) < 0
    # The left eye is on the person's left: smaller x in Kinect space.
    assert np.median(coco[:, 1, 0] - coco[:, 2, 0]) < 0


def test_prepare_returns_the_model_input_shape():
    sample = load_nwucla("test", limit=1)[0]
    x = prepare(sample.joints, "kinect20", 32)
    assert x.shape == (32, 20, 3) and x.dtype == np.float32
