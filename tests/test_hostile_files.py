"""Hostile files, signals and a second process (issue 13, classes 1, 5 and 6).

1. Outputs that are not plain files: a character device or FIFO (or a link to
   one) is written to, never replaced; nncli never writes through a symbolic link
   inside a run directory, and what such a link points at stays untouched.
(5. Signals outside the training loop are in test_hostile_signals.py.)
6. Two processes on one run: the run-directory lock, and temporary files that
   no process deletes while another writes them.

Signals are real: sent by the kernel to a real ``nncli`` process, at a moment
chosen by ``signal_driver.py`` where no outside timing could hit it.
"""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from hostile_support import (
    TINY,
    FifoReader,
    assert_same_weights,
    driven,
    interrupted_copy,
    make_null_device,
    nncli_env,
    output_cases,
    read_meta,
    temporaries,
)

from nncli import runs
from nncli.errors import RunError


@pytest.fixture
def null_device(tmp_path):
    return make_null_device(tmp_path)


# ---- 1. writing through what is not a plain file ----------------------------------------------------------


def test_write_output_writes_devices_and_links_without_replacing_them(tmp_path, null_device):
    for name, path, check in output_cases(tmp_path, null_device):
        assert runs.write_output(path, lambda handle: handle.write(b"a,b\n1,2\n")) == 8, name
        assert check(b"a,b\n1,2\n"), name
    assert not temporaries(tmp_path)


@pytest.mark.parametrize("through_link", [False, True])
def test_write_output_into_a_fifo_feeds_its_reader(tmp_path, through_link):
    reader = FifoReader(tmp_path / "fifo")
    path = reader.path
    if through_link:
        path = tmp_path / "link"
        path.symlink_to(reader.path)
    runs.write_output(path, lambda handle: handle.write(b"x\n" * 1000))
    assert reader.join() == b"x\n" * 1000
    assert stat.S_ISFIFO(os.lstat(reader.path).st_mode)
    assert not temporaries(tmp_path)


def test_run_files_replace_links_and_fifos_and_never_write_through_them(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").symlink_to(outside)
    (run / "summary.json").symlink_to(tmp_path)  # a link to a folder
    os.mkfifo(run / "meta.json")  # would block a writer that opened it
    runs.write_csv(run / "metrics.csv", [{"epoch": 1}], ["epoch"])
    runs.write_json(run / "summary.json", {"ok": 1})
    runs.write_json(run / "meta.json", {"status": "completed"})
    assert outside.read_text() == "untouched"
    for name in ("metrics.csv", "summary.json", "meta.json"):
        assert stat.S_ISREG(os.lstat(run / name).st_mode), name
    assert read_meta(run) == {"status": "completed"}


@pytest.mark.parametrize("command", ["data", "predict", "export"])
def test_commands_write_to_a_device_and_a_fifo_and_keep_them(cli, tiny, tmp_path, null_device, command):
    config, reference = tiny
    features = tmp_path / "in.csv"
    assert cli("data", config, "--split", "test", "-o", features).exit_code == 0
    args = {"data": ["data", config, "--split", "test"], "predict": ["predict", reference, features],
            "export": ["export", reference, "--format", "safetensors"]}[command]
    result = cli(*args, "-o", null_device)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat(null_device).st_mode)
    reader = FifoReader(tmp_path / "fifo")
    result = cli(*args, "-o", reader.path)
    assert result.exit_code == 0, result.stderr
    data = reader.join()
    assert data.startswith(b"x0,x1" if command == "data" else b"prediction" if command == "predict" else b"")
    assert len(data) > 100
    assert stat.S_ISFIFO(os.lstat(reader.path).st_mode)
    assert not temporaries(tmp_path) and not temporaries(reference)


@pytest.mark.parametrize("before", ["", "kept\n"])
def test_an_output_through_proc_is_written_to_the_processes_own_stdout(tiny, tmp_path, before):
    """``-o /dev/stdout`` (here ``/proc/self/fd/1``, which no regression could replace) with stdout
    sent to a file, as ``>`` or ``>>`` would: the file gets the CSV after what was there."""
    out = tmp_path / "out.csv"
    out.write_text(before)
    with open(out, "ab") as stdout:
        process = subprocess.run([sys.executable, "-m", "nncli", "data", tiny[0], "--split", "test",
                                  "-o", "/proc/self/fd/1"], stdout=stdout, stderr=subprocess.PIPE, env=nncli_env())
    assert process.returncode == 0, process.stderr
    text = out.read_text()
    assert text.startswith(before + "x0,x1,target\n") and len(text.splitlines()) == 51 + bool(before)
    assert stat.S_ISREG(os.lstat(out).st_mode) and not temporaries(tmp_path)


@pytest.mark.parametrize("entry", ["metrics.csv", "summary.json", "weights.npz", "meta.json"])
def test_resume_replaces_a_symlinked_run_file_and_leaves_its_target_alone(cli, tiny, tmp_path, entry):
    run = interrupted_copy(tiny[1], tmp_path)
    outside = tmp_path / "outside"
    outside.write_text("untouched")
    if entry == "meta.json":  # it must be read first: the link points at a valid copy outside
        outside.write_text((run / entry).read_text())
    before = outside.read_text()
    (run / entry).unlink()
    (run / entry).symlink_to(outside)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert outside.read_text() == before
    assert not (run / entry).is_symlink() and (run / entry).is_file()
    assert read_meta(run)["status"] == "completed"


def test_a_plots_link_to_a_folder_elsewhere_is_refused_and_nothing_is_drawn_there(cli, tiny, tmp_path):
    run = interrupted_copy(tiny[1], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run / "plots").symlink_to(elsewhere)
    result = cli("plot", run)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "plots is a symbolic link" in result.stderr
    result = cli("train", "--resume", run, "--quiet", "--set", "output.plots=true")
    # a changed config is refused before anything is written; resuming as is does not draw
    assert result.exit_code == 2 and list(elsewhere.iterdir()) == []
    config = (run / "config.yaml").read_text().replace("plots: false", "plots: true")
    (run / "config.yaml").write_text(config)
    with np.load(run / "checkpoint.npz") as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["config_yaml"] = np.array(config)
    runs.write_npz(run / "checkpoint.npz", arrays)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr  # the run is complete; the pictures are a warning
    assert "symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == [] and (run / "plots").is_symlink()
    assert read_meta(run)["status"] == "completed"


def test_a_directory_where_a_picture_goes_is_named_and_the_others_are_drawn(cli, tiny, tmp_path):
    run = interrupted_copy(tiny[1], tmp_path)
    (run / "plots" / "loss.png").mkdir(parents=True)
    result = cli("plot", run)
    assert result.exit_code == 2  # the user's to fix, like a full disk: not an internal failure
    assert f"cannot write {run / 'plots' / 'loss.png'}: Is a directory" in result.stderr
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr
    assert (run / "plots" / "metrics.png").is_file() and (run / "plots" / "loss.png").is_dir()
    assert not temporaries(run / "plots")


@pytest.mark.parametrize("entry", ["trials", "plots"])
def test_a_sweep_never_writes_through_a_symlinked_folder(cli, tmp_path, entry):
    config = tmp_path / "sweep.yaml"
    config.write_text(TINY.replace("{dataset: circles,", "{dataset: circles, val_size: 0.2,"))
    result = cli("sweep", config, "--jobs", "1", "--sweep-dir", tmp_path / "s", "--quiet")
    assert result.exit_code == 0, result.stderr
    elsewhere = tmp_path / "elsewhere"
    (tmp_path / "s" / entry).rename(elsewhere)
    (tmp_path / "s" / entry).symlink_to(elsewhere)
    before = sorted((p.relative_to(elsewhere), p.stat().st_mtime_ns) for p in elsewhere.rglob("*"))
    result = cli("sweep", "--resume", tmp_path / "s", "--quiet")
    assert "symbolic link" in result.stderr and result.stderr.count("\n") == 1
    assert result.exit_code == (2 if entry == "trials" else 0)  # a picture that cannot be drawn is a warning
    assert sorted((p.relative_to(elsewhere), p.stat().st_mtime_ns) for p in elsewhere.rglob("*")) == before


# ---- 6. two processes on one run --------------------------------------------------------------------------


def test_a_second_process_is_refused_while_one_trains_and_a_killed_one_blocks_nothing(cli, tiny, tmp_path):
    config, reference = tiny
    holder = driven("checkpoint", "STOP", "train", config, "--runs-root", tmp_path, "--quiet")
    _, status = os.waitpid(holder.pid, os.WUNTRACED)  # it stopped itself after its first checkpoint
    assert os.WIFSTOPPED(status)
    try:
        (run,) = tmp_path.iterdir()
        for args in (["train", "--resume", run], ["train", config, "--run-dir", run]):
            result = cli(*args, "--quiet")
            assert result.exit_code == 2, args
            assert result.stderr.count("\n") == 1, result.stderr
        assert f"being trained by another process (pid {holder.pid})" in cli("train", "--resume", run).stderr
    finally:
        holder.kill()  # SIGKILL: the kernel releases its lock
        holder.communicate(timeout=60)
    assert read_meta(run)["status"] == "running"
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert_same_weights(run, reference)


def test_a_free_lock_outweighs_a_reused_pid(cli, tiny, tmp_path):
    """A run left "running" whose pid now belongs to another live process: its free lock
    proves its trainer gone, so --resume goes on (a run without a lock file is refused)."""
    run = interrupted_copy(tiny[1], tmp_path)
    meta = read_meta(run)
    meta.update(status="running", pid=os.getppid())  # alive, and not a training
    (run / "meta.json").write_text(json.dumps(meta))
    (run / runs.LOCK).unlink()
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 2 and "still being trained" in result.stderr
    (run / runs.LOCK).write_text("")
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert read_meta(run)["status"] == "completed"


def test_the_lock_excludes_a_second_holder_and_is_free_once_released(tmp_path):
    with runs.RunLock() as first:
        first.acquire(tmp_path)
        with pytest.raises(RunError, match=f"pid {os.getpid()}"):
            runs.RunLock().acquire(tmp_path)
    with runs.RunLock() as again:
        again.acquire(tmp_path)


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
def test_a_lock_file_that_is_not_a_plain_file_is_refused_untouched(tmp_path, planted):
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.write_text("untouched")
    lock = run / runs.LOCK
    {"symlink": lambda: lock.symlink_to(outside), "fifo": lambda: os.mkfifo(lock), "directory": lock.mkdir}[planted]()
    with pytest.raises(RunError, match=".lock"):
        runs.RunLock().acquire(run)
    assert outside.read_text() == "untouched"


def test_a_run_dir_holding_only_a_lock_file_counts_as_empty(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / runs.LOCK).write_text("")
    with runs.RunLock() as lock:
        assert runs.create_run_dir(tmp_path, "x", run_dir=target, meta={"ok": 1}, lock=lock) == target
        with pytest.raises(RunError, match="being trained"):
            runs.RunLock().acquire(target)


def test_temporaries_are_unique_and_only_those_of_dead_processes_are_cleaned(tmp_path):
    path = tmp_path / "weights.npz"
    names = {runs.files.temporary_name(path).name for _ in range(50)}
    assert len(names) == 50 and all(f".{os.getpid()}." in name for name in names)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead, live = int(finished.stdout), os.getppid()
    for pid in (dead, live):
        (tmp_path / f".weights.npz.{pid}.abcdef.tmp").write_text("x")
    (tmp_path / ".odd-name.tmp").write_text("x")
    runs.remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".weights.npz.{live}.abcdef.tmp"]


def test_a_path_in_a_cannot_write_message_is_escaped_and_cut(tmp_path):
    """A user-named path is quoted as values are: control characters escaped (a name holding a
    terminal escape prints as text), at most errors.PATH_LIMIT characters."""
    from nncli.errors import PATH_LIMIT

    odd = tmp_path / "out\x1b[31m.csv"
    odd.mkdir()  # a directory where the file goes
    with pytest.raises(RunError) as caught:
        runs.atomic_write(odd, lambda handle: handle.write(b"x"))
    message = str(caught.value)
    assert "\x1b" not in message and "out\\x1b[31m.csv: Is a directory" in message
    deep = tmp_path / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    with pytest.raises(RunError) as caught:
        runs.atomic_write(deep, lambda handle: handle.write(b"x"))
    message = str(caught.value)
    assert len(message) < PATH_LIMIT + 40 and "…" in message
    assert message.startswith(f"cannot write {tmp_path}") and message.endswith("e" * 100 + ": Is a directory")
