"""A red-team pass over the defences of issue 13: each case here misbehaved once (a flood of
text, an internal error, a write where none belongs) and is kept so it never does again.
The tables hold the command line (built in ``tmp_path``) and a text its one line must hold."""

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import CONFIGS, ROOT
from hostile_support import fail_after

LINE_LIMIT = 400  # a few values cut to 80 and a list of valid keys: no line of these cases needs more
LONG = "a" * 3000
TINY = """\
seed: 4
data: {dataset: circles, params: {n_samples: 200}}
model: {hidden: [6], activation: tanh}
training: {epochs: 2, lr: 0.05, batch_size: 16, dtype: float64}
output: {plots: false}
"""


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (not hang) a test in which nncli blocks, e.g. on a FIFO it should not open."""
    with fail_after(60):
        yield


def _refused(result, expected, code=2):
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert len(errors[0]) < LINE_LIMIT, len(errors[0])
    assert expected in errors[0], errors[0]


# --- class 9: a long --set key was echoed whole (1000 characters) -----------------------------

@pytest.mark.parametrize("override, expected", [
    (f"{LONG}=1", "unknown key"),
    (f"{LONG}.b=1", "unknown key"),
    (f"data.params.{LONG}=1", "in data.params"),
    (f"seed.{LONG}=1", "--set seed.aaa"),
])
def test_a_long_set_key_is_cut(cli, override, expected):
    _refused(cli("config", CONFIGS / "xor.yaml", "--set", override), expected)


# --- class 2/3: metrics.csv read with a plain open (the sparkline of a resumed run, the sweep
# picture): a FIFO there blocked for ever, /dev/zero filled memory ------------------------------

def _in_child(code, timeout=30):
    """Run ``code`` in a fresh Python (a hang fails the test instead of blocking it)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("reader", ["nncli.reporting.earlier_losses(run)",
                                    "nncli.sweep.picture._read_metrics(pathlib.Path(run))"])
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_metrics_csv_that_is_not_a_file_is_not_read(tmp_path, reader, kind):
    target = tmp_path / "metrics.csv"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    code = (f"import pathlib, resource, nncli.reporting, nncli.sweep.picture\n"
            f"resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            f"run = {str(tmp_path)!r}\nprint(len({reader}))")
    assert _in_child(code).strip() == "0"


def test_extending_a_run_whose_metrics_csv_is_a_fifo(tmp_path, nncli_process):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    trained = nncli_process("train", config, "--runs-root", tmp_path / "runs", "--quiet", timeout=60)
    run = Path(trained.stdout.strip().splitlines()[-1])
    (run / "metrics.csv").unlink()
    os.mkfifo(run / "metrics.csv")
    result = nncli_process("train", "--resume", run, "--set", "training.epochs=3", "--quiet", timeout=60)
    assert result.returncode == 0, result.stderr
    assert (run / "metrics.csv").is_file()


# --- class 9: option values echoed whole (up to the 1000-character last defence) ---------------

@pytest.fixture
def trained(cli, tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 0, result.stderr
    return config, result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("args, expected", [
    (["export", "{run}", "--format", LONG], "--format must be one of"),
    (["sweep", "{config}", "--grid", "training.lr=0.1,0.2", "--select", LONG], "--select takes"),
    (["sweep", "{config}", "--grid", "training.lr=0.1", "--executor", LONG], "--executor must be"),
    (["sweep", "{config}", "--grid", LONG], "--grid needs KEY=VALUES"),
    (["sweep", "{config}", "--grid", f"training.lr=[{LONG}"], "unbalanced brackets"),
    (["sweep", "{config}", "--random", f"training.lr={LONG}", "--trials", "2"], "expected one of"),
    (["sweep", "{config}", "--random", f"training.lr=uniform({LONG})", "--trials", "2"], "takes two numbers"),
    (["sweep", "{config}", "--random", f"{LONG}=uniform(1,2)", "--trials", "2"], "unknown key"),
    (["config", "{config}", "--set", f"training.batch_size={LONG}"], "positive integer or 'full'"),
    (["config", "{config}", "--set", f"training.class_weight={LONG}"], "must be balanced"),
    (["runs", "{root}", "--sort", LONG], "no listed run has this key"),
    (["runs", "{root}", "--group-by", LONG], "no listed run has this key"),
    (["runs", "{root}", "--group-by", "name", "--sort", LONG], "--sort"),
    (["runs", "{root}", "--filter", LONG], "--filter needs KEY<OP>VALUE"),
    (["runs", "{root}", "--filter", f"seed>{LONG}"], "is not a number"),
    (["runs", "{root}", "--filter", f"{LONG}>1"], "no listed run has this key"),
    (["plot", "{run}", "--only", LONG], "unknown plot"),
    (["data", "{config}", "--split", LONG], "--split must be"),
])
def test_a_long_option_value_is_cut(cli, trained, args, expected):
    config, run = trained
    places = {"config": config, "run": run, "root": config.parent / "runs"}
    _refused(cli(*[a.format(**places) if a.startswith("{") else a for a in args]), expected)


# --- class 7: stdout closed (`>&-`): an AttributeError on None for data, predict, runs,
# evaluate, check; a command whose product is stdout now says it would be lost -------------------

@pytest.mark.parametrize("args, code, expected", [
    (["data", "{config}", "--split", "train"], 2, "stdout is closed"),
    (["predict", "{run}", "{csv}"], 2, "stdout is closed"),
    (["runs", "{root}"], 0, ""),
    (["evaluate", "{run}"], 0, ""),
    (["check", "{config}"], 0, ""),
])
def test_stdout_closed(trained, tmp_path, args, code, expected):
    config, run = trained
    (tmp_path / "in.csv").write_text("x0,x1\n0.1,0.2\n")
    places = {"config": config, "run": run, "root": tmp_path / "runs", "csv": tmp_path / "in.csv"}
    argv = [sys.executable, "-m", "nncli", *[a.format(**places) for a in args]]
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"),
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == code, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert expected in result.stderr


# --- class 7: a runs root nothing can be made in (an internal FileNotFoundError) -----------------

@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_a_runs_root_where_no_directory_can_be_made(cli, tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    _refused(cli("train", config, "--runs-root", "/proc/self", "--quiet"), "cannot create a run directory in")


# --- class 7/8: a checkpoint's arrays that pass their header check but make no sense: NaN weights
# or optimizer slots were reported as the run diverging (exit 1), an infinite or negative square
# slot and a missing slot trained on silently, an initial loss of NaN/-1/0 bent the divergence rule

def _checkpoint_with(run, change):
    with np.load(run / "checkpoint.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    np.savez(run / "checkpoint.npz", **arrays)
    meta = json.loads((run / "meta.json").read_text())
    (run / "meta.json").write_text(json.dumps({**meta, "status": "interrupted"}))


def _filled(key, value):
    return lambda arrays: arrays.update({key: np.full_like(arrays[key], value)})


def _progress(**fields):
    def change(arrays):
        arrays["progress"] = np.array(json.dumps({**json.loads(str(arrays["progress"])), **fields}))
    return change


@pytest.mark.parametrize("change, expected", [
    (_filled("weights/0.weight", np.nan), "member weights/0.weight holds NaN or infinite values"),
    (_filled("optimizer/0.weight.m_scaled", np.nan), "member optimizer/0.weight.m_scaled holds NaN"),
    (_filled("optimizer/0.weight.v_scaled", np.inf), "member optimizer/0.weight.v_scaled holds NaN"),
    (_filled("optimizer/0.weight.v_scaled", -1.0), "holds negative values"),
    (lambda arrays: arrays.pop("optimizer/1.bias.v_scaled"), "lacks member optimizer/1.bias.v_scaled"),
    (lambda arrays: arrays.pop("weights/1.bias"), "lacks member weights/1.bias"),
    (_progress(initial_loss=float("nan")), "initial_loss must be a finite number >= 0"),
    (_progress(initial_loss=-1.0), "initial_loss must be"),
    (_progress(initial_loss=float("inf")), "initial_loss must be"),
])
def test_a_checkpoint_whose_state_makes_no_sense_is_refused(cli, trained, change, expected):
    run = Path(trained[1])
    _checkpoint_with(run, change)
    _refused(cli("train", "--resume", run, "--quiet"), expected)


# --- class 8/9: finite values that overflow once used: a row or a preprocess.npz mean/scale that
# overflows when scaled printed NumPy's RuntimeWarning and NaN probabilities with exit 0; a
# float64 weight beyond float32 (or a scale that rounds to 0) became inf in the ONNX graph ------

def _npz_with(path, **members):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    np.savez(path, **{**arrays, **members})


@pytest.mark.parametrize("member, value, rows", [
    ("mean", [1e308, -1e308], "0.1,0.2\n"),
    ("scale", [1e-320, 1.0], "0.1,0.2\n"),
    (None, None, "0.1,0.2\n1e308,0.2\n"),
])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_values_that_overflow_once_scaled(cli, trained, tmp_path, member, value, rows, command):
    run = Path(trained[1])
    if member:
        _npz_with(run / "preprocess.npz", **{member: np.array(value)})
    data = tmp_path / "rows.csv"
    if command == "predict":
        data.write_text("x0,x1\n" + rows)
        result = cli("predict", run, data)
    else:
        data.write_text("x0,x1,target\n" + rows.replace("\n", ",0\n"))
        result = cli("evaluate", run, "--data", data)
    _refused(result, "overflows the float64 range once scaled")
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.parametrize("filename, member, value, expected", [
    ("weights.npz", "0.weight", np.full((6, 2), 1e308), "0.weight holds values beyond the float32 range"),
    ("preprocess.npz", "mean", np.array([1e300, 0.0]), "mean holds values beyond the float32 range"),
    ("preprocess.npz", "scale", np.array([1e-320, 1.0]), "scale holds values too small"),
])
def test_an_onnx_export_that_would_hold_inf(cli, trained, tmp_path, filename, member, value, expected):
    pytest.importorskip("onnx")
    run = Path(trained[1])
    _npz_with(run / filename, **{member: value})
    _refused(cli("export", run, "--format", "onnx", "-o", tmp_path / "model.onnx"), expected)
    assert not (tmp_path / "model.onnx").exists()


# --- class 5: a signal at the edges of a command.  One that struck inside a garbage-collection
# callback (matplotlib drawing at the end of a training) printed "Exception ignored in ...
# KeyboardInterrupt" with a traceback and was lost; one during Python's shutdown, after the
# work was done, killed the process with no word (exit -15 or -2) ------------------------------

def test_an_interrupt_inside_a_callback_is_delivered_again_without_a_traceback():
    code = ("from nncli.signals import terminate_like_ctrl_c\nterminate_like_ctrl_c()\n"
            "class Collected:\n    def __del__(self):\n        raise KeyboardInterrupt\n"
            "try:\n    Collected()\n    for _ in range(10**8):\n        pass\n    print('not interrupted')\n"
            "except KeyboardInterrupt:\n    print('interrupted')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.stdout.strip() == "interrupted"
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_signal_once_the_exit_code_is_decided_exits_with_it():
    code = ("import os, signal, sys, time\nfrom nncli.cli import main\n"
            f"sys.argv = ['nncli', 'config', {str(CONFIGS / 'xor.yaml')!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    print(exc.code, flush=True)\n"
            "os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(5)\nprint('still running')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 0, (result.returncode, result.stderr)  # not -15: killed by the signal
    assert result.stdout.strip().splitlines()[-1] == "0"


# --- class 7/9: names from the data or the command line read as rich markup: a class label or a
# run directory holding "[/red]" crashed `evaluate` (and `train` on a terminal) with an internal
# MarkupError; a label with an escape sequence reached the terminal ----------------------------

def _csv_run(cli, tmp_path, relabel):
    data = (CONFIGS / "data" / "fruit.csv").read_text()
    for old, new in relabel.items():
        data = data.replace(old, new)
    (tmp_path / "fruit.csv").write_text(data)
    config = tmp_path / "fruit.yaml"
    config.write_text("data: {dataset: csv, path: fruit.csv, target: fruit}\nmodel: {hidden: [4]}\n"
                      "training: {epochs: 1}\noutput: {plots: false}\n")
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("relabel, shown", [
    ({"lemon": "[/red]", "apple": "[bold]"}, "[/red]"),
    ({"lemon": "lem\x1b[2Jon"}, "lem\\x1b[2Jon"),
])
def test_evaluate_shows_labels_as_text(cli, tmp_path, relabel, shown):
    run = _csv_run(cli, tmp_path, relabel)
    result = cli("evaluate", run)
    assert result.exit_code == 0, result.stderr
    assert shown in result.stdout and "\x1b" not in result.stdout


def test_a_run_directory_that_looks_like_markup(cli, trained, tmp_path, capsys):
    run = tmp_path / "odd[/red]" / "run"
    shutil.copytree(trained[1], run)
    result = cli("evaluate", run)
    assert result.exit_code == 0, result.stderr
    assert "odd[/red]" in result.stdout

    from nncli.reporting import RichReporter

    reporter = RichReporter()
    reporter.start(run, "model", None, 1)  # the progress display of a terminal
    reporter.progress.stop()
    assert "odd[/red]" in capsys.readouterr().err


# --- class 8/9: a CSV dataset's odd values: features whose spread overflows printed NumPy's
# RuntimeWarnings; a split error listed every one of hundreds of classes; a control character in
# a header or label printed matplotlib's two-line glyph warning per picture -----------------------

def _fruit_config(tmp_path, rows, plots=False):
    (tmp_path / "odd.csv").write_text("weight_g,diameter_cm,fruit\n" + "".join(rows))
    config = tmp_path / "odd.yaml"
    config.write_text("data: {dataset: csv, path: odd.csv, target: fruit}\nmodel: {hidden: [3]}\n"
                      f"training: {{epochs: 1}}\noutput: {{plots: {str(plots).lower()}}}\n")
    return config


@pytest.mark.parametrize("rows, expected", [
    ([f"{'1e308' if i % 2 else '-1e308'},1,{'ab'[i % 2]}\n" for i in range(40)],
     "feature 'weight_g' has values too large"),
    ([f"1,2,c{i}\n" for i in range(300)], "and 295 more have only 1"),
    (["1,2,a\n"] * 40, "has only one class ('a')"),
])
def test_csv_values_that_cannot_be_trained_on(cli, tmp_path, rows, expected):
    result = cli("train", _fruit_config(tmp_path, rows), "--runs-root", tmp_path / "runs", "--quiet")
    _refused(result, expected)
    assert "RuntimeWarning" not in result.stderr and "np.str_" not in result.stderr


def test_control_characters_in_names_draw_without_warnings(cli, tmp_path):
    odd = "lem\x1bon"
    rows = [f"{i % 7},{i % 5},{odd if i % 2 else 'apple'}\n" for i in range(60)]
    config = _fruit_config(tmp_path, rows, plots=True)
    with warnings.catch_warnings(record=True) as caught:  # what a terminal would see on stderr
        warnings.simplefilter("always")
        result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert not [str(w.message) for w in caught if "Glyph" in str(w.message)]


# --- class 7: a path with a name longer than the file system allows (ENAMETOOLONG) was an
# internal error wherever pathlib first touched it (exists(), is_dir()) -------------------------

@pytest.mark.parametrize("args", [
    ["evaluate", "{long}"],
    ["plot", "{long}"],
    ["export", "{long}", "--format", "onnx"],
    ["runs", "{long}"],
    ["train", "--resume", "{long}"],
    ["sweep", "--resume", "{long}"],
    ["config", "{base}"],
])
def test_a_file_name_too_long(cli, tmp_path, args):
    long = str(tmp_path / ("x" * 5000))
    base = tmp_path / "base.yaml"
    base.write_text(f"base: {'y' * 5000}.yaml\n")
    result = cli(*[a.format(long=long, base=base) for a in args])
    _refused(result, "file name too long")


# --- class 1/2: a tampered sweep.yaml.  A trial id such as '../../x' or an absolute path made
# `sweep --resume` train a run directory outside the sweep directory; a config path there that
# is a FIFO blocked for ever (hashing it), /dev/zero filled memory; a file in a trial's place
# was an internal NotADirectoryError ---------------------------------------------------------------

SWEEP = TINY.replace("params: {n_samples: 200}}", "params: {n_samples: 200}, val_size: 0.2}")


@pytest.fixture
def swept(cli, tmp_path):
    config = tmp_path / "sweep.yaml"
    config.write_text(SWEEP)
    result = cli("sweep", config, "--grid", "training.lr=0.1,0.2", "--sweep-dir", tmp_path / "sweep",
                 "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.stderr
    sweep = tmp_path / "sweep"
    shutil.rmtree(sweep / "trials" / "t0000")  # one trial to run again on --resume
    spec = sweep / "sweep.yaml"
    spec.write_text(spec.read_text().replace("status: completed", "status: interrupted"))
    return sweep


def _spec_with(sweep, old, new):
    spec = sweep / "sweep.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, expected", [
    ("id: t0000", "id: ../../../escaped", "trial id '../../../escaped' is not one nncli writes"),
    ("id: t0000", "id: {tmp}/absolute", "is not one nncli writes"),
    ("id: t0000", "id: t0001", "trial id 't0001' is not one nncli writes"),
    ("overrides: [training.lr=0.1]", "overrides: [5]", "needs overrides as a list of KEY=VALUE texts"),
    ("config: ", "config: /dev/zero #", "/dev/zero changed (or went missing)"),
    ("config: ", "config: {tmp}/fifo #", "fifo changed (or went missing)"),
    ("nncli_sweep: 1", "nncli_sweep: 99", "a sweep spec of a format this nncli does not read (nncli_sweep: 99"),
    ("select: val_loss", "select: test_loss", "select: --select test_loss: a sweep never selects on test data"),
    ("select: val_loss", "select: [1]", "select: '[1]' is not a metric's name"),
])
def test_a_tampered_sweep_spec_is_refused(cli, swept, tmp_path, old, new, expected):
    os.mkfifo(tmp_path / "fifo")
    _spec_with(swept, old, new.format(tmp=tmp_path))
    _refused(cli("sweep", "--resume", swept, "--jobs", "1", "--quiet"), expected.format(tmp=tmp_path))
    assert not (tmp_path / "absolute").exists() and not any(tmp_path.parent.glob("escaped"))


def test_a_sweep_spec_that_is_not_a_mapping_is_refused(cli, swept):
    (swept / "sweep.yaml").write_text("- a\n- b\n")
    _refused(cli("sweep", "--resume", swept, "--jobs", "1", "--quiet"), "is not a sweep spec nncli can read")


def test_a_file_in_a_trials_place(cli, swept):
    (swept / "trials" / "t0000").write_text("x")
    result = cli("sweep", "--resume", swept, "--jobs", "1", "--quiet")
    _refused(result, "is not the trial's run directory but a file or link", code=1)


# --- class 7: a full disk (or quota, read-only file system) while writing a run file was an
# internal error with the debug hint ------------------------------------------------------------

@pytest.mark.parametrize("writes_before_full", [3, 6])
def test_a_full_disk_while_training(cli, tmp_path, monkeypatch, writes_before_full):
    import errno

    config = tmp_path / "tiny.yaml"
    config.write_text(TINY.replace("epochs: 2", "epochs: 2, checkpoint_every: 1"))
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > writes_before_full:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet")
    _refused(result, "No space left on device")
    assert "cannot write " in result.stderr
    assert not list((tmp_path / "runs").rglob("*.tmp"))


# --- class 5: a sweep stopped with many trials never taken hung for ever at exit (the queue's
# feeding thread blocked on a full pipe nobody read; Python joins it at exit) ---------------------

def test_a_stopped_sweep_with_trials_never_taken_exits():
    code = ("import multiprocessing\nfrom nncli.sweep.executors import LocalPool\n"
            "pool = LocalPool(1)\npool._todo = multiprocessing.get_context('spawn').Queue()\n"
            "for i in range(2000):\n    pool._todo.put(({'id': f't{i:04d}', 'pad': 'x' * 1000}, 'dir'))\n"
            "pool.close()\nprint('closed')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.stdout.strip() == "closed", result.stderr


# --- class 2/7: sweeps too large to plan (a million trials took minutes before any check), and
# numbers NumPy refuses (an internal ValueError) ----------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--grid", "training.lr=" + ",".join(str(i + 1) for i in range(200)),
      "--grid", "training.epochs=" + ",".join(str(i + 1) for i in range(200))], "40000 trials, more than the limit"),
    (["--random", "training.lr=uniform(0.01,0.1)", "--trials", "100000000"], "100000000 trials"),
    (["--grid", "training.lr=0.1", "--seeds", "100000000"], "100000000 trials"),
    (["--random", "training.epochs=randint(1,99999999999999999999999)", "--trials", "2"], "within 64 bits"),
    (["--random", "training.lr=uniform(0.01,0.1)", "--trials", "2", "--sweep-seed", "-5"], "--sweep-seed must be"),
])
def test_a_sweep_refused_before_planning(cli, tmp_path, args, expected):
    config = tmp_path / "sweep.yaml"
    config.write_text(SWEEP)
    _refused(cli("sweep", config, *args, "--sweep-dir", tmp_path / "sweep", "--quiet"), expected)
    assert not (tmp_path / "sweep").exists()
