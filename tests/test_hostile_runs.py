"""Hostile run directories (issue 13, classes 3, 4, 8 and 10; issue 14's "not a run directory").

Every case damages a copy of one real, tiny run the way an attacker or a bad disk
would, and checks that nncli answers with one line naming the file (and member or
field) instead of a traceback, a hang or gigabytes of memory:

* ``nncli runs`` lists every unreadable run as ``broken`` with its reason, exit 0;
* ``.npz`` members are refused from their header, before their data is read;
* tampered checkpoints and ``preprocess.npz`` values are refused, exit 2;
* a loss that explodes without a NaN is divergence;
* every command taking a RUN_DIR says when a folder is not a run directory.

A FIFO that nncli opened for reading would block for ever: an alarm fails the test instead.
"""

import io
import json
import os
import re
import shutil
import zipfile

import numpy as np
import pytest
from hostile_support import fail_after

from nncli.config import validate
from nncli.training.run import train

TINY = {"data": {"dataset": "circles", "params": {"n_samples": 120}},
        "model": {"hidden": [3]}, "training": {"epochs": 2, "lr": 0.05}, "output": {"plots": False}}


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (not hang) a test in which nncli blocks, e.g. on a FIFO it should not open."""
    with fail_after(30):
        yield


@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
    path, _ = train(validate(TINY), runs_root=tmp_path_factory.mktemp("source"))
    return path


@pytest.fixture
def copy_run(source_run, tmp_path):
    def copy(name="run", root=tmp_path / "runs"):
        return shutil.copytree(source_run, root / name)

    return copy


# -- ways to damage a file ----------------------------------------------------------

def fifo(path):
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def dev_zero(path):
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


def directory(path):
    path.unlink(missing_ok=True)
    path.mkdir()


def symlink_loop(path):
    path.unlink(missing_ok=True)
    path.symlink_to(path.name)


def dangling(path):
    path.unlink(missing_ok=True)
    path.symlink_to("nowhere")


def huge(path):
    with open(path, "wb") as handle:
        handle.truncate(3 << 30)  # sparse: 3 GB that take no disk


def text(content):
    return lambda path: path.write_bytes(content.encode() if isinstance(content, str) else content)


def meta_with(**fields):
    def damage(path):
        meta = json.loads(path.read_text())
        meta.update(fields)
        path.write_text(json.dumps(meta))
    return damage


def json_of(value):
    return lambda path: path.write_text(json.dumps(value))


GARBAGE = bytes(range(256)) * 8
DEEP_JSON = "[" * 100_000
DEEP_YAML_BLOCK = "- " * 3000 + "x\n"
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8))

# (run name, file, damage, status nncli runs must show, a fragment of its problem or None)
LISTING_CASES = [
    ("meta-pid-huge", "meta.json", meta_with(status="running", pid=10**30), "crashed", None),
    ("meta-pid-bool", "meta.json", meta_with(status="running", pid=True), "running", None),
    ("meta-started-number", "meta.json", meta_with(started_at=12345), "broken", "started_at"),
    ("meta-started-list", "meta.json", meta_with(started_at=["2020"]), "broken", "started_at"),
    ("meta-status-object", "meta.json", meta_with(status={"a": 1}), "broken", "status"),
    ("meta-status-long", "meta.json", meta_with(status="x" * 10_000), "broken", "status"),
    ("meta-list", "meta.json", json_of([1, 2]), "broken", "not a JSON object"),
    ("meta-deep", "meta.json", text(DEEP_JSON), "broken", "nested"),
    ("meta-deep-valid", "meta.json", json_of({"status": "completed", "x": json.loads("[" * 40 + "]" * 40)}),
     "broken", "nested deeper"),
    ("meta-binary", "meta.json", text(GARBAGE), "broken", "not UTF-8"),
    ("meta-not-json", "meta.json", text("{status: completed"), "broken", "not valid JSON"),
    ("meta-int-digits", "meta.json", text('{"pid": 1' + "0" * 5000 + "}"), "broken", "not valid JSON"),
    ("meta-fifo", "meta.json", fifo, "broken", "FIFO"),
    ("meta-dev-zero", "meta.json", dev_zero, "broken", "character device"),
    ("meta-directory", "meta.json", directory, "broken", "directory"),
    ("meta-huge", "meta.json", huge, "broken", "limit"),
    ("meta-symlink-loop", "meta.json", symlink_loop, "broken", "cannot read"),
    ("meta-dangling", "meta.json", dangling, "broken", "missing"),
    ("config-deep-flow", "config.yaml", text("a: " + DEEP_JSON), "broken", "config.yaml"),
    ("config-deep-block", "config.yaml", text(DEEP_YAML_BLOCK), "broken", "nested"),
    ("config-alias-bomb", "config.yaml", text(BILLION_LAUGHS), "broken", "more than"),
    ("config-binary", "config.yaml", text(GARBAGE), "broken", "not UTF-8"),
    ("config-fifo", "config.yaml", fifo, "broken", "FIFO"),
    ("config-dev-zero", "config.yaml", dev_zero, "broken", "character device"),
    ("config-directory", "config.yaml", directory, "broken", "directory"),
    ("config-huge", "config.yaml", huge, "broken", "limit"),
    ("config-list", "config.yaml", text("- 1\n- 2\n"), "broken", "not a mapping"),
    ("config-many-keys", "config.yaml", text("".join(f"k{i}: {i}\n" for i in range(5000))), "broken", "keys"),
    ("config-set", "config.yaml", text("data: !!set {a, b}\n"), "broken", "set"),
    ("config-date", "config.yaml", text("seed: 2020-01-01\n"), "broken", "date"),
    ("config-int-key", "config.yaml", text("1: 2\n"), "broken", "not text"),
    ("config-python-tag", "config.yaml", text("a: !!python/object/apply:os.system [echo hi]\n"), "broken",
     "not valid YAML"),
    ("summary-fifo", "summary.json", fifo, "broken", "FIFO"),
    ("summary-directory", "summary.json", directory, "broken", "directory"),
    ("summary-list", "summary.json", json_of([1]), "broken", "not a JSON object"),
    ("summary-nested-value", "summary.json", json_of({"test_auc": {"a": [1]}}), "broken", "test_auc"),
    ("summary-odd-key", "summary.json", json_of({"bad key\n": 1}), "broken", "not a name"),
    ("summary-many-keys", "summary.json", json_of({f"k{i}": i for i in range(5000)}), "broken", "keys"),
    ("summary-text-metric", "summary.json", json_of({"test_auc": "high", "epochs_run": 2}), "broken",
     "test_auc is not a number"),
    ("summary-bool-count", "summary.json", json_of({"epochs_run": True}), "broken", "epochs_run is not a number"),
    ("summary-infinity", "summary.json", text('{"test_auc": Infinity, "test_loss": NaN}'), "broken", "null"),
    ("summary-edge-float", "summary.json", json_of({"test_auc": 1.7e308, "epochs_run": 2}), "completed", None),
    ("summary-edge-float-2", "summary.json", json_of({"test_auc": 1.7e308, "epochs_run": 2}), "completed", None),
    ("summary-huge-int", "summary.json", text('{"epochs_run": 1' + "0" * 400 + "}"), "broken", "beyond"),
    ("config-huge-int", "config.yaml", text("seed: 1" + "0" * 400 + "\ntraining: {lr: x}\n"), "completed", None),
    ("summary-text-other", "summary.json", json_of({"stop_reason": "epochs", "test_auc": 0.5}), "completed", None),
    ("weights-fifo", "weights.npz", fifo, "broken", "FIFO"),
    ("weights-directory", "weights.npz", directory, "broken", "directory"),
    ("checkpoint-fifo", "checkpoint.npz", fifo, "completed", None),  # the listing never opens it
]
UNFINISHED_CASES = [
    ("metrics-fifo", "metrics.csv", fifo, "broken", "FIFO"),
    ("metrics-directory", "metrics.csv", directory, "broken", "directory"),
    ("metrics-dev-zero", "metrics.csv", dev_zero, "broken", "character device"),
    ("metrics-one-long-line", "metrics.csv", text("x" * 3_000_000), "interrupted", None),
]


@pytest.fixture(scope="module")
def hostile_root(source_run, tmp_path_factory):
    """A runs root with a healthy run and one run damaged by each case (made once: listing only reads it)."""
    root = tmp_path_factory.mktemp("hostile") / "runs"
    shutil.copytree(source_run, root / "healthy")
    for name, filename, damage, _, _ in LISTING_CASES + UNFINISHED_CASES:
        run = shutil.copytree(source_run, root / name)
        if name in [case[0] for case in UNFINISHED_CASES]:
            meta_with(status="interrupted")(run / "meta.json")
        damage(run / filename)
    return root


def test_runs_lists_every_damaged_run_with_its_reason(cli, hostile_root):
    result = cli("runs", hostile_root, "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["healthy"]["status"] == "completed" and rows["healthy"]["problem"] is None
    for name, filename, _, status, fragment in LISTING_CASES + UNFINISHED_CASES:
        row = rows[name]
        assert row["status"] == status, (name, row["problem"])
        if fragment is None:
            assert row["problem"] is None, (name, row["problem"])
        else:
            assert filename in row["problem"] and fragment in row["problem"], (name, row["problem"])
            assert len(row["problem"]) < 300, name


@pytest.mark.parametrize("options", [(), ("--csv",), ("--sort", "test_auc"), ("--sort", "started_at"),
                                     ("--sort", "status", "--reverse"), ("--filter", "status=broken"),
                                     ("--filter", "test_auc>0.1"), ("--filter", "seed>5"),
                                     ("--filter", "seed=3"), ("--filter", "epochs_run>=1"),
                                     ("--group-by", "training.lr"), ("--group-by", "seed", "--sort", "test_auc"),
                                     ("--group-by", "name", "--json"), ("--group-by", "status", "--csv")])
def test_every_listing_form_survives_the_damaged_runs(cli, hostile_root, options, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("runs", hostile_root, *options)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_listing_with_thousands_of_columns_fits_and_says_so_in_one_short_line(cli, copy_run, tmp_path,
                                                                                monkeypatch):
    for name in ("a", "b"):
        run = copy_run(name)
        with open(run / "config.yaml", "a") as handle:
            handle.write("".join(f"{name}{i}: {i}\n" for i in range(900)))
    monkeypatch.setenv("COLUMNS", "100")
    result = cli("runs", tmp_path / "runs")
    assert result.exit_code == 0, result.stderr
    left_out = int(re.match(r"(\d+) columns left out to fit 100 characters: ", result.stderr).group(1))
    assert left_out > 1700 and f"and {left_out - 12} more" in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400
    assert all(len(line) <= 100 for line in result.stdout.splitlines())


def test_names_and_values_are_shown_as_they_are_never_obeyed(cli, copy_run, tmp_path, monkeypatch):
    copy_run("plain")
    copy_run("esc-\x1b[31m-[bold]x")
    odd = copy_run("odd-value")
    config = (odd / "config.yaml").read_text()
    (odd / "config.yaml").write_text(config.replace("optimizer: adam", 'optimizer: "[/red]\\nx"'))
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("runs", tmp_path / "runs")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "esc-\\x1b[31m-[bold]x" in result.stdout  # escaped, not obeyed
    assert "[/red]\\nx" in result.stdout  # rich markup not interpreted, the line break escaped


# -- .npz files that lie (class 4), values that make no sense (class 8) ---------------

def npy_header(shape, descr="<f8"):
    """The bytes of a .npy file's magic and header alone: it declares an array no data follows."""
    handle = io.BytesIO()
    np.lib.format.write_array_header_1_0(handle, {"descr": descr, "fortran_order": False, "shape": shape})
    return handle.getvalue()


def rewrite_npz(path, change=None, raw=None):
    """Rewrite an .npz: ``change(arrays)`` edits its arrays, ``raw`` adds members as bytes."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if change:
        change(arrays)
    path.unlink()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (raw or {}).items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def setting(key, value):
    def change(arrays):
        arrays[key] = value
    return change


def scaled(key, factor):
    def change(arrays):
        arrays[key] = arrays[key].astype(np.float64) * factor
    return change


def recast(key, dtype):
    def change(arrays):
        arrays[key] = arrays[key].astype(dtype)
    return change


def object_member(path):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    rewrite_npz(path, lambda arrays: arrays.pop("0.weight"), {"0.weight.npy": buffer.getvalue()})


WEIGHTS_CASES = [
    ("declared-16384x16384", lambda p: rewrite_npz(p, lambda a: a.pop("0.weight"),
                                                     {"0.weight.npy": npy_header((16384, 16384))}),
     "member 0.weight has shape (16384, 16384)"),
    ("complex", lambda p: rewrite_npz(p, recast("0.weight", np.complex128)), "complex numbers"),
    ("text", lambda p: rewrite_npz(p, recast("0.bias", "<U8")), "member 0.bias holds text"),
    ("integers", lambda p: rewrite_npz(p, recast("1.weight", np.int64)), "member 1.weight holds integers"),
    ("objects", object_member, "Python objects"),
    ("wrong-shape", lambda p: rewrite_npz(p, setting("0.weight", np.zeros((5, 2)))), "(5, 2)"),
    ("extra-member", lambda p: rewrite_npz(p, setting("9.weight", np.zeros(3))), "9.weight is not part"),
    ("not-npy-member", lambda p: rewrite_npz(p, raw={"readme.txt": b"hi"}), "readme.txt is not a .npy"),
    ("nan", lambda p: rewrite_npz(p, scaled("1.bias", np.nan)), "NaN or infinite"),
    ("not-a-zip", text(GARBAGE), "not an .npz archive"),
    ("huge", huge, "not an .npz archive"),
    ("dev-zero", dev_zero, "character device"),
    ("fifo", fifo, "FIFO"),
    ("directory", directory, "directory"),
]
PREPROCESS_CASES = [
    ("scale-zero", lambda p: rewrite_npz(p, scaled("scale", 0.0)), "scale must be finite and above 0"),
    ("scale-negative", lambda p: rewrite_npz(p, scaled("scale", -1.0)), "scale must be finite and above 0"),
    ("scale-nan", lambda p: rewrite_npz(p, scaled("scale", np.nan)), "scale must be finite and above 0"),
    ("mean-inf", lambda p: rewrite_npz(p, scaled("mean", np.inf)), "mean holds NaN or infinite"),
    ("mean-wrong-length", lambda p: rewrite_npz(p, setting("mean", np.zeros(5))), "member mean has 5 values"),
    ("mean-complex", lambda p: rewrite_npz(p, recast("mean", np.complex128)), "complex numbers"),
    ("mean-text", lambda p: rewrite_npz(p, recast("mean", "<U4")), "member mean holds text"),
    ("input-shape-huge", lambda p: rewrite_npz(p, setting("input_shape", np.array([10**9]))), "input_shape"),
    ("input-shape-float", lambda p: rewrite_npz(p, recast("input_shape", np.float64)), "input_shape holds"),
    ("names-declared-huge", lambda p: rewrite_npz(p, lambda a: a.pop("feature_names"),
                                                    {"feature_names.npy": npy_header((10**6,), "<U1000")}),
     "over its"),
    ("one-class", lambda p: rewrite_npz(p, setting("classes", np.array([0]))), "two distinct classes"),
    ("names-repeated", lambda p: rewrite_npz(p, setting("feature_names", np.array(["x", "x"]))), "repeats a name"),
    ("no-scale", lambda p: rewrite_npz(p, lambda a: a.pop("scale")), "lacks scale"),
    ("fifo", fifo, "FIFO"),
]


@pytest.mark.parametrize("filename, damage, fragment",
                         [("weights.npz", *case[1:]) for case in WEIGHTS_CASES]
                         + [("preprocess.npz", *case[1:]) for case in PREPROCESS_CASES],
                         ids=[f"weights-{c[0]}" for c in WEIGHTS_CASES]
                         + [f"preprocess-{c[0]}" for c in PREPROCESS_CASES])
def test_a_lying_or_senseless_npz_is_refused_naming_file_and_member(cli, copy_run, filename, damage, fragment):
    run = copy_run()
    damage(run / filename)
    result = cli("evaluate", run)
    assert result.exit_code == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("nncli: error:") and filename in line and fragment in line, line


RUN_FILE_CASES = [
    ("config.yaml", fifo, "FIFO"), ("config.yaml", dev_zero, "character device"),
    ("config.yaml", directory, "directory"), ("config.yaml", huge, "limit"),
    ("config.yaml", text("a: " + "[" * 60_000), "nested"), ("config.yaml", text(DEEP_YAML_BLOCK), "nested"),
    ("config.yaml", text(BILLION_LAUGHS), "more than"), ("config.yaml", text(GARBAGE), "not UTF-8"),
    ("meta.json", fifo, "FIFO"), ("meta.json", text(DEEP_JSON), "nested"),
    ("meta.json", json_of([1]), "not a JSON object"),
]


@pytest.mark.parametrize("command", [("evaluate",), ("train", "--resume")], ids=["evaluate", "resume"])
@pytest.mark.parametrize("filename, damage, fragment", RUN_FILE_CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(RUN_FILE_CASES)])
def test_a_run_file_that_is_not_a_file_or_too_deep_is_one_line(cli, copy_run, command, filename, damage, fragment):
    run = interrupted_copy(copy_run)
    damage(run / filename)
    result = cli(*command, run)
    assert result.exit_code == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and filename in line and fragment in line, line


@pytest.mark.parametrize("filename, damage, fragment", [
    ("metrics.csv", fifo, "FIFO"), ("metrics.csv", directory, "directory"), ("metrics.csv", text(GARBAGE), "metrics"),
    ("summary.json", fifo, "FIFO"), ("summary.json", json_of([1]), "not a JSON object")])
def test_plot_reads_metrics_and_summary_only_as_regular_files(cli, copy_run, filename, damage, fragment):
    run = copy_run()
    damage(run / filename)
    result = cli("plot", run, "--only", "loss", "--only", "roc")
    # metrics.csv is read before drawing; summary.json by one picture, whose failure is a warning
    # naming the file while the other pictures are drawn.  Either is a run file to mend: exit 2
    assert result.exit_code == 2, result.stdout + result.stderr
    assert (filename == "metrics.csv") != (run / "plots" / "roc.png").is_file()
    assert filename in result.stderr and fragment in result.stderr and "Traceback" not in result.stderr


def interrupted_copy(copy_run):
    run = copy_run()
    meta_with(status="interrupted")(run / "meta.json")
    return run


def progress_with(**fields):
    def change(arrays):
        progress = json.loads(str(arrays["progress"]))
        progress.update(fields)
        arrays["progress"] = np.array(json.dumps(progress))
    return change


def raw_progress(text_value):
    return setting("progress", np.array(text_value))


def order(values):
    return lambda arrays: (progress_with(epoch=1, position=0)(arrays),
                           arrays.update(order=np.asarray(values)), progress_rows(arrays))


def progress_rows(arrays):
    progress = json.loads(str(arrays["progress"]))
    progress["rows"] = progress["rows"][: progress["epoch"]]
    arrays["progress"] = np.array(json.dumps(progress))


N_TRAIN = 90  # circles, 120 samples, test_size 0.25

CHECKPOINT_CASES = [
    ("epoch-negative", progress_with(epoch=-5), "epoch must be a whole number >= 0"),
    ("epoch-text", progress_with(epoch="x"), "epoch must be"),
    ("epoch-fraction", progress_with(epoch=1.5), "epoch must be"),
    ("rows-text", progress_with(rows="x"), "rows must be"),
    ("rows-too-few", progress_with(rows=[]), "rows must be a list of 2"),
    ("rows-values", progress_with(rows=[{"train_loss": "x"}, {}]), "rows must be"),
    ("position-negative", progress_with(position=-1), "position must be"),
    ("position-beyond", progress_with(position=10**9), "position must be"),
    ("steps-negative", progress_with(optimizer_steps=-1), "optimizer_steps must be"),
    ("stop-reason-number", progress_with(stop_reason=5), "stop_reason must be"),
    ("generators-text", progress_with(generators="x"), "generators must be"),
    ("generators-wrong", progress_with(generators=[{"bit_generator": "PCG64", "state": "x"}]),
     "does not fit this run"),
    ("best-epoch-infinite", progress_with(best_epoch=float("inf")), "best_epoch must be"),
    ("schedule-negative-rate", progress_with(schedule={"current": -1.0, "best": 0.5, "waited": 0}),
     "schedule must be"),
    ("schedule-text", progress_with(schedule="x"), "schedule must be"),
    ("initial-loss-text", progress_with(initial_loss="low"), "initial_loss must be"),
    ("progress-deep", raw_progress(DEEP_JSON), "nested"),
    ("progress-deep-valid", raw_progress(json.dumps({"epoch": json.loads("[" * 40 + "]" * 40)})), "nested"),
    ("progress-not-json", raw_progress("{epoch: 1"), "not valid JSON"),
    ("progress-list", raw_progress("[1, 2]"), "not a JSON object"),
    ("progress-missing", lambda arrays: arrays.pop("progress"), "lacks progress"),
    ("order-out-of-range", order(np.arange(N_TRAIN) + 5), "member order is not a shuffle"),
    ("order-repeated", order(np.zeros(N_TRAIN, dtype=np.int64)), "member order is not a shuffle"),
    ("order-wrong-length", order(np.arange(N_TRAIN - 1)), f"this run needs ({N_TRAIN},)"),
    ("order-floats", order(np.arange(N_TRAIN, dtype=np.float64)), "member order holds floating-point"),
    ("weights-complex", recast("weights/0.weight", np.complex64), "complex numbers"),
    ("config-yaml-number", setting("config_yaml", np.array(3)), "member config_yaml holds integers"),
    ("config-yaml-deep", setting("config_yaml", np.array("a: " + DEEP_JSON)), "config_yaml"),
]


@pytest.mark.parametrize("change, fragment", [case[1:] for case in CHECKPOINT_CASES],
                         ids=[case[0] for case in CHECKPOINT_CASES])
def test_a_tampered_checkpoint_is_refused_on_resume_naming_the_field(cli, copy_run, change, fragment):
    run = interrupted_copy(copy_run)
    rewrite_npz(run / "checkpoint.npz", change)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and "checkpoint.npz" in line and fragment in line, line


def test_checkpoint_members_declared_huge_are_refused_from_their_header(cli, copy_run):
    run = interrupted_copy(copy_run)
    rewrite_npz(run / "checkpoint.npz", lambda a: a.pop("optimizer/0.weight.m_scaled"),
                {"optimizer/0.weight.m_scaled.npy": npy_header((16384, 16384)),
                 "observer-state.npy": npy_header((1 << 30,))})
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 2
    assert "checkpoint.npz: member optimizer/0.weight.m_scaled has shape (16384, 16384)" in result.stderr


def test_a_meta_json_of_wrong_types_is_refused_on_resume(cli, copy_run):
    run = interrupted_copy(copy_run)
    meta_with(resumed="x")(run / "meta.json")
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 2 and "meta.json resumed is not a list" in result.stderr


@pytest.mark.parametrize("change", [None, progress_with(initial_loss=None)], ids=["as-written", "older-nncli"])
def test_an_untampered_checkpoint_still_resumes(cli, copy_run, change):
    run = interrupted_copy(copy_run)
    if change:
        rewrite_npz(run / "checkpoint.npz", change)
    result = cli("train", "--resume", run, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads((run / "meta.json").read_text())["status"] == "completed"


# -- divergence without NaN (class 10) -------------------------------------------------

def test_a_loss_that_explodes_without_nan_is_divergence(cli, write_config, tmp_path):
    config = write_config("""
        data: {dataset: circles, params: {n_samples: 200}}
        model: {hidden: [8], activation: tanh}
        training: {epochs: 5, optimizer: sgd, lr: 1000000}
        output: {plots: false}
    """)
    result = cli("train", config, "--runs-root", tmp_path / "runs", "--quiet")
    assert result.exit_code == 1
    assert "diverged at epoch 1 (the train loss" in result.stderr and "over 1000 times" in result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "meta.json").read_text())["status"] == "diverged"
    with np.load(run / "weights.npz") as weights:
        assert all(np.abs(weights[key]).max() < 10 for key in weights.files)  # the weights before it exploded


@pytest.mark.parametrize("before, loss, diverged", [(0.69, 800_000.0, True), (0.69, 700.0, True),
                                                   (0.69, 600.0, False), (0.69, 5.0, False),
                                                   (1e-4, 0.5, False), (1e-4, 1.5, True), (float("nan"), 1e9, False),
                                                   (None, 1e9, False)])
def test_the_divergence_rule(before, loss, diverged):
    from types import SimpleNamespace

    from nncli.training.loop import Trainer

    assert Trainer._exploded(SimpleNamespace(initial_loss=before), loss) is diverged


def test_the_loss_before_training_is_kept_for_resume(source_run):
    with np.load(source_run / "checkpoint.npz") as checkpoint:
        progress = json.loads(str(checkpoint["progress"]))
    assert 0.5 < progress["initial_loss"] < 1.0  # two balanced classes: about ln 2 before training
    assert progress["rows"][-1]["train_loss"] < 1000 * progress["initial_loss"]


# -- "not a run directory", for every command taking one (issue 14) --------------------

COMMANDS = [("evaluate",), ("predict", "{dir}", "in.csv"), ("plot",), ("export", "{dir}", "--format", "safetensors"),
            ("train", "--resume")]


def _args(command, folder):
    if "{dir}" in command:
        return [folder if part == "{dir}" else part for part in command]
    return [*command, folder]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] + ("-resume" if "--resume" in c else "") for c in COMMANDS])
def test_a_folder_of_runs_is_not_a_run_directory(cli, copy_run, tmp_path, command):
    copy_run("first")
    copy_run("second")
    result = cli(*_args(command, tmp_path / "runs"))
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert f"{tmp_path / 'runs'} is not a run directory (no config.yaml)" in line and "\n" not in line
    assert "such as" in line and "first" in line and "nncli runs" in line


@pytest.mark.parametrize("make, fragment", [(lambda p: p.mkdir(), "is not a run directory (no config.yaml)"),
                                            (lambda p: p.write_text("x"), "is not a directory"),
                                            (lambda p: None, "run directory not found")])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] + ("-resume" if "--resume" in c else "") for c in COMMANDS])
def test_other_folders_say_what_they_are(cli, tmp_path, command, make, fragment):
    make(tmp_path / "thing")
    result = cli(*_args(command, tmp_path / "thing"))
    assert result.exit_code == 2 and fragment in result.stderr and "such as" not in result.stderr


def test_a_run_config_may_be_as_large_as_a_config_file():
    """A config that trains makes a run `nncli runs` and `--resume` can read."""
    from nncli.config.yaml_text import MAX_CONFIG_BYTES
    from nncli.runs.reading import YAML_LIMIT

    assert YAML_LIMIT == MAX_CONFIG_BYTES
