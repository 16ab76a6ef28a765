"""Hostile signals (issue 13, class 5): SIGINT, SIGTERM and SIGKILL at every moment outside the
training loop, from before the run directory exists to its pictures, and in every command that writes.

Signals are real: sent by the kernel to a real ``nncli`` process, at a moment
chosen by ``signal_driver.py`` where no outside timing could hit it.  After each:
whole files, no temporaries, a status that says what happened, and a run that
``--resume`` finishes with the weights of the uninterrupted run.
"""

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from hostile_support import (
    assert_same_weights,
    driven,
    finish,
    read_meta,
    start_nncli,
    temporaries,
)

from nncli import runs


@pytest.mark.parametrize("signame", ["INT", "TERM"])
def test_a_signal_just_after_the_claim_leaves_a_run_that_resumes_to_the_same_weights(cli, tiny, tmp_path,
                                                                                      signame):
    config, reference = tiny
    code, stdout, stderr = finish(driven("claimed", signame, "train", config, "--runs-root", tmp_path,
                                           "--quiet"))
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("nncli: error: interrupted")
    run = Path(stdout.strip().splitlines()[-1])  # the run directory is still the last stdout line
    assert run.parent == tmp_path
    assert read_meta(run)["status"] == "interrupted"
    assert {"config.yaml", "preprocess.npz", "checkpoint.npz"} <= {p.name for p in run.iterdir()}
    assert not temporaries(run)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert read_meta(run)["status"] == "completed"
    assert_same_weights(run, reference)


def test_a_signal_before_the_run_directory_exists_leaves_nothing(tiny, tmp_path):
    code, stdout, stderr = finish(driven("preparing", "TERM", "train", tiny[0], "--runs-root", tmp_path / "runs"))
    assert code == 130 and stdout == ""
    assert stderr.strip().splitlines() == ["nncli: interrupted"]
    assert not (tmp_path / "runs").exists()


def test_a_signal_as_resume_starts_leaves_it_resumable(cli, tiny, tmp_path):
    config, reference = tiny
    code, stdout, _ = finish(driven("checkpoint", "INT", "train", config, "--runs-root", tmp_path, "--quiet"))
    run = Path(stdout.strip().splitlines()[-1])
    assert code == 130 and read_meta(run)["status"] == "interrupted"
    code, stdout, stderr = finish(driven("resumed", "TERM", "train", "--resume", run, "--quiet"))
    assert code == 130, stderr
    assert stdout.strip().splitlines()[-1] == str(run) and read_meta(run)["status"] == "interrupted"
    assert len(read_meta(run)["resumed"]) == 1 and not temporaries(run)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert_same_weights(run, reference)


def test_a_failure_while_the_run_is_set_up_says_failed_and_resume_starts_it_again(cli, tiny, tmp_path,
                                                                                   monkeypatch):
    import errno

    config, reference = tiny

    def full_disk(path, arrays):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs, "write_npz", full_disk)
    assert cli("train", config, "--runs-root", tmp_path, "--quiet").exit_code != 0
    monkeypatch.undo()
    (run,) = tmp_path.iterdir()
    assert read_meta(run)["status"] == "failed" and not (run / "checkpoint.npz").exists()
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert_same_weights(run, reference)


@pytest.mark.parametrize("moment", ["claimed", "config"])
def test_a_run_killed_before_its_first_checkpoint(cli, tiny, tmp_path, moment):
    """SIGKILL cannot be caught: before config.yaml nothing can be resumed (said in one line);
    after it, --resume starts the run again in place and reaches the uninterrupted weights."""
    config, reference = tiny
    code, _, _ = finish(driven(moment, "KILL", "train", config, "--runs-root", tmp_path, "--quiet"))
    assert code == -signal.SIGKILL
    (run,) = tmp_path.iterdir()
    result = cli("train", "--resume", run, "--quiet")
    if moment == "claimed":
        assert result.exit_code == 2 and "nothing to resume" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert read_meta(run)["status"] == "completed"
    assert_same_weights(run, reference)


@pytest.mark.parametrize("signame", ["INT", "TERM"])
def test_a_signal_during_the_final_scoring_completes_the_run(tiny, tmp_path, signame):
    config, reference = tiny
    code, stdout, stderr = finish(driven("scoring", signame, "train", config, "--runs-root", tmp_path,
                                           "--quiet", "--set", "output.plots=true"))
    assert code == 0, stderr
    run = Path(stdout.strip().splitlines()[-1])
    assert read_meta(run)["status"] == "completed" and (run / "summary.json").is_file()
    assert "training has finished" in stderr and "pictures not drawn" in stderr
    assert not (run / "plots").exists() and not temporaries(run)
    assert_same_weights(run, reference)


def test_a_signal_while_drawing_keeps_the_run_completed(tiny, tmp_path):
    config, _ = tiny
    code, stdout, stderr = finish(driven("drawing", "TERM", "train", config, "--runs-root", tmp_path,
                                           "--quiet", "--set", "output.plots=true"))
    assert code == 0, stderr
    run = Path(stdout.strip().splitlines()[-1])
    assert read_meta(run)["status"] == "completed"
    assert "nncli plot" in stderr
    assert not temporaries(run)


def test_json_after_ctrl_c_names_the_run_and_its_status(tiny, tmp_path):
    config, _ = tiny
    code, stdout, _ = finish(driven("checkpoint", "INT", "train", config, "--runs-root", tmp_path, "--json"))
    assert code == 130
    out = json.loads(stdout)
    assert out["metrics"] == {"status": "interrupted"} and Path(out["run_dir"]).is_dir()
    assert read_meta(Path(out["run_dir"]))["status"] == "interrupted"


@pytest.mark.parametrize("signame", ["INT", "TERM"])
def test_a_signal_while_nncli_starts_is_ctrl_c(tmp_path, signame):
    """Before the command line's imports (some 50 ms): SIGTERM too exits 130 with one line, not 143."""
    code, stdout, stderr = finish(driven("starting", signame, "train", tmp_path / "none.yaml"))
    assert code == 130 and stderr.strip().splitlines() == ["nncli: interrupted"] and stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_during_predict_removes_its_temporary_file(tiny, tmp_path, signame):
    """predict reads stdin held open, so it is surely mid-write when the signal comes."""
    _, reference = tiny
    process = start_nncli("predict", reference, "-", "-o", tmp_path / "out.csv", stdin=subprocess.PIPE)
    process.stdin.write("x0,x1\n" + "0.5,0.25\n" * 600_000)  # more than one block of the reader
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not temporaries(tmp_path):  # the output's temporary file is open: predict is writing
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(getattr(signal, signame))
    code, stdout, stderr = finish(process)
    assert code == 130
    assert stderr.strip().splitlines() == ["nncli: interrupted"]
    assert list(tmp_path.iterdir()) == []  # no output, no temporary


@pytest.mark.parametrize("command, moment, signame", [
    ("data", "writing", "TERM"), ("export", "writing", "TERM"), ("predict", "writing", "INT"),
    ("plot", "saving", "TERM"),
])
def test_a_signal_while_any_command_writes_leaves_no_temporary_and_no_output(tiny, tmp_path, command, moment,
                                                                             signame):
    import shutil

    config, reference = tiny
    run = tmp_path / "run"
    shutil.copytree(reference, run)
    out = tmp_path / "out"
    args = {"data": ["data", config, "--split", "test", "-o", out],
            "export": ["export", run, "--format", "safetensors", "-o", out],
            "predict": ["predict", run, tmp_path / "in.csv", "-o", out], "plot": ["plot", run]}[command]
    (tmp_path / "in.csv").write_text("x0,x1\n0.5,0.25\n")
    code, _, stderr = finish(driven(moment, signame, *args))
    assert code == 130
    assert stderr.strip().splitlines() == ["nncli: interrupted"]
    assert not out.exists() and not temporaries(tmp_path)
