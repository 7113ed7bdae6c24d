"""The reviewed-set loader and `portal_actions.finetune` against learning contract §1-2, on a synthetic set."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from portal_actions.base_model import load_base, new_model, config_from_card, load_onnx_weights
from portal_actions.data import load_dataset, union_labels
from portal_actions.reviewed import load_reviewed, majority_label, spans
from reviewed_fixture import write_set

TRAINING = Path(__file__).resolve().parents[1]
BASE = TRAINING.parent / "models" / "actions" / "actions-coco2d.onnx"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    return write_set(tmp_path_factory.mktemp("reviewed"), videos=5)


def finetune(*args, **kw):
    cmd = [sys.executable, "-m", "portal_actions.finetune", "--base", str(BASE), "--name", "tuned",
           "--version", "1.0.0", *map(str, args)]
    return subprocess.run(cmd, cwd=TRAINING, capture_output=True, text=True, timeout=120, **kw)


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]  # every stdout line is one JSON object


def test_windows_follow_the_product_rule_and_take_the_majority_label():
    t = np.arange(0, 5.0, 0.25)  # 0 .. 4.75 s
    got = spans(t, 2.0, 1.0)
    assert [(s, n) for s, _, _, n in got] == [(0.0, 8), (1.0, 8), (2.0, 8), (3.0, 8)]
    assert got[-1][1] == 4.75  # the last window ends at the last frame
    segs = [{"start": 0.0, "end": 1.2, "label": "a"}, {"start": 1.2, "end": 3.0, "label": "b"}]
    assert majority_label(0.0, 2.0, segs) == "a"      # 1.2 s of 2
    assert majority_label(1.0, 3.0, segs) == "b"
    assert majority_label(2.5, 4.5, segs) is None     # 0.5 s labelled of 2: no majority


def test_reviewed_set_loads_as_a_dataset_split_by_video(reviewed):
    rs = load_reviewed(reviewed)
    assert rs.labels == ["arm circles", "squat", "wave"] and rs.tracks == 5
    assert all(w.frames.shape[1:] == (17, 3) for w in rs.windows)
    name = f"reviewed:{reviewed}"
    train, labels = load_dataset(name, "train")
    test, _ = load_dataset(name, "test")
    assert labels == rs.labels and union_labels([name]) == rs.labels
    assert len(train) + len(test) == len(rs.windows) and test
    video = lambda s: s.id.split("-1@")[0]
    assert not {video(s) for s in train} & {video(s) for s in test}


def test_a_bad_set_is_refused_with_a_clear_error(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"format": "something-else"}))
    r = finetune("--data", tmp_path, "--out", tmp_path / "out")
    assert r.returncode == 1 and "portal-reviewed-1" in events(r.stdout)[-1]["message"]


def test_two_epochs_write_an_onnx_that_computes_what_the_trained_module_does(reviewed, tmp_path):
    out = tmp_path / "out"
    r = finetune("--data", reviewed, "--out", out, "--epochs", 2, "--min-windows", 5)
    assert r.returncode == 0, r.stderr[-2000:]
    ev = events(r.stdout)
    assert [e["event"] for e in ev] == ["counts", "epoch", "epoch", "done"]
    assert ev[0]["labels"] == {"arm circles": 15, "squat": 15, "wave": 15} and ev[0]["minWindows"] == 5
    done = ev[-1]
    assert done["onnx"] == str(out / "tuned.onnx") and done["metrics"]["trainWindows"] > 0
    card = json.loads((out / "tuned.card.json").read_text())
    assert card["labels"] == ["arm circles", "squat", "wave"]
    shipped = json.loads(BASE.with_name("actions-coco2d.card.json").read_text())
    assert card["base"] == {"name": "actions-coco2d", "version": shipped["version"]}  # the base's own version
    assert card["trainingData"] == {"format": "portal-reviewed-1", "tracks": 5, "windows": 45}
    base_card = json.loads(BASE.with_name("actions-coco2d.card.json").read_text())
    assert card["input"] == base_card["input"] and card["window"] == base_card["window"]
    assert card["outputs"]["logits"] == ["batch", 3]
    graph = onnx.load(str(out / "tuned.onnx"))
    onnx.checker.check_model(graph)
    assert [i.name for i in graph.graph.input] == ["joints"]
    assert [o.name for o in graph.graph.output] == ["logits", "frame_attention", "joint_attention"]
    # The last checkpoint is the module that was exported: its outputs and those of the weights read back from
    # the ONNX graph (the same recovery the fine-tuning applies to its base) agree.
    trained = new_model(config_from_card(card), 3)
    trained.load_state_dict(torch.load(out / "checkpoint.pt")["model"])
    back = new_model(config_from_card(card), 3)
    load_onnx_weights(back, out / "tuned.onnx")
    x = torch.randn(4, 32, 17, 3)
    x[..., 2] = torch.rand(4, 32, 17)
    with torch.no_grad():
        for a, b in zip(trained.eval()(x), back.eval()(x)):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_too_few_windows_of_a_label_is_refused(reviewed, tmp_path):
    r = finetune("--data", reviewed, "--out", tmp_path, "--min-windows", 16)
    assert r.returncode == 3
    ev = events(r.stdout)
    assert ev[-1] == {"event": "refused", "labels": {k: {"windows": 15, "needed": 16}
                                                      for k in ["arm circles", "squat", "wave"]}}
    assert not (tmp_path / "tuned.onnx").exists() and not (tmp_path / "checkpoint.pt").exists()


def test_sigterm_stops_fast_and_resume_continues_after_the_last_epoch(reviewed, tmp_path):
    cmd = [sys.executable, "-m", "portal_actions.finetune", "--base", str(BASE), "--name", "tuned",
           "--version", "1.0.0", "--data", str(reviewed), "--out", str(tmp_path), "--epochs", "6",
           "--min-windows", "5"]
    p = subprocess.Popen(cmd, cwd=TRAINING, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    before = []
    for line in p.stdout:
        if json.loads(line)["event"] == "epoch":
            before.append(json.loads(line))
            if before[-1]["epoch"] == 2:
                break
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)
    assert time.time() - t0 < 5.0 and p.returncode != 0  # the product sends SIGKILL after 5 s; under a load of 20+ a
    # second or two can go to scheduling alone
    assert not (tmp_path / "tuned.onnx").exists() and not (tmp_path / "tuned.card.json").exists()
    done = torch.load(tmp_path / "checkpoint.pt")["epoch"]
    assert done >= 2
    r = finetune("--data", reviewed, "--out", tmp_path, "--epochs", 6, "--min-windows", 5, "--resume")
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [e for e in events(r.stdout) if e["event"] == "epoch"]
    # The checkpoint's epochs are said again first (the product then shows every epoch once), then the new ones.
    assert [e["epoch"] for e in lines] == list(range(1, 7))
    assert lines[:2] == before
    assert (tmp_path / "tuned.onnx").exists()


def test_a_trainer_whose_starter_is_killed_stops_by_itself(reviewed, tmp_path):
    # The worker's stand-in starts the trainer and is SIGKILLed after the first epoch, as a killed worker would be.
    # The trainer shares the stand-in's stdout pipe, so its lines still arrive here.
    trainer = [sys.executable, "-m", "portal_actions.finetune", "--base", str(BASE), "--name", "tuned",
               "--version", "1.0.0", "--data", str(reviewed), "--out", str(tmp_path), "--epochs", "500",
               "--min-windows", "5"]
    starter = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
                                *trainer], cwd=TRAINING, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in starter.stdout:
        if json.loads(line)["event"] == "epoch":
            break
    children = Path(f"/proc/{starter.pid}/task/{starter.pid}/children").read_text().split()
    assert len(children) == 1, children
    pid = int(children[0])
    starter.kill()
    starter.wait()
    deadline = time.time() + 30
    try:
        while alive(pid):
            assert time.time() < deadline, f"trainer {pid} still running 30 s after its starter was killed"
            time.sleep(0.1)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert torch.load(tmp_path / "checkpoint.pt")["epoch"] >= 1  # the next worker resumes from it
    assert not (tmp_path / "tuned.onnx").exists()


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie nobody has reaped yet has stopped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_base_weights_come_back_from_the_shipped_onnx():
    # The parity fixture holds the PyTorch outputs the shipped model was exported from.
    fixture = json.loads((TRAINING.parent / "tests/Portal.Inference.Tests/Actions/Fixtures/"
                          "actions-coco2d.parity.json").read_text())
    model, _, _ = load_base(BASE)
    x = torch.tensor(fixture["inputs"], dtype=torch.float32).reshape(fixture["shape"])
    with torch.no_grad():
        logits, _, joint = model(x)
    np.testing.assert_allclose(logits.numpy().reshape(-1), fixture["logits"], atol=1e-4)
    np.testing.assert_allclose(joint.numpy().reshape(-1), fixture["jointAttention"], atol=1e-5)


def test_counts_without_torch_are_the_trainers_counts(reviewed, tmp_path):
    # The train page counts with portal_actions.counts before a training starts; it must refuse what the trainer
    # refuses, and must run where PyTorch is absent (the web host): torch made unimportable here.
    card = BASE.with_name("actions-coco2d.card.json")
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "torch.py").write_text("raise ImportError('no torch on the web host')\n")
    r = subprocess.run([sys.executable, "-m", "portal_actions.counts", "--data", reviewed, "--card", card,
                        "--min-windows", "16"], cwd=TRAINING, capture_output=True, text=True, timeout=60,
                       env={"PYTHONPATH": str(blocker), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    trainer = finetune("--data", reviewed, "--out", tmp_path / "out", "--min-windows", 16)
    assert events(r.stdout) == [events(trainer.stdout)[0]]


# A starter that runs a trainer from a thread which ends once the trainer has armed die_with_starter(), as .NET starts
# the trainer from a thread-pool thread that may retire while the worker lives. The trainer then sleeps, standing for
# a long stretch without batches (exporting, loading a large set), where the check between batches would not run.
STARTER = """
import subprocess, sys, threading
def start():
    global trainer
    trainer = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
    assert trainer.stdout.readline().strip() == "armed"
thread = threading.Thread(target=start)
thread.start()
thread.join()
print(trainer.pid, flush=True)
threading.Event().wait()
"""
SLEEPING_TRAINER = ("import time; from portal_actions.finetune import die_with_starter; die_with_starter(); "
                    "print('armed', flush=True); time.sleep(300)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_trainer_dies_with_its_starter_at_once_but_not_with_the_thread_that_started_it():
    starter = subprocess.Popen([sys.executable, "-c", STARTER, SLEEPING_TRAINER], cwd=TRAINING, stdout=subprocess.PIPE, text=True)
    pid = None
    try:
        pid = int(starter.stdout.readline())
        time.sleep(2)  # the starting thread has ended: the kernel has sent the signal, and the trainer ignored it
        assert alive(pid), "the trainer stopped when the thread that started it ended, while its starter still runs"
        starter.kill()
        starter.wait()
        deadline = time.time() + 5
        while alive(pid):
            assert time.time() < deadline, f"trainer {pid} still running 5 s after its starter was killed"
            time.sleep(0.05)
    finally:
        if starter.poll() is None:
            starter.kill()
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)
