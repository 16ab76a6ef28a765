"""The ocr dataset in nncli: split by font, pixel columns, predict and per-font evaluation.

The renderer itself is tested in test_ocr_render.py."""

from nncli.config import validate
from nncli.data import ocr
from nncli.data.pipeline import load_dataset


def test_the_dataset_splits_by_font_and_carves_val_from_training_fonts():
    config = validate({"data": {"dataset": "ocr", "params": {"variants": 2}, "val_size": 0.2, "scale": "none"}})
    data = load_dataset(config.data, config.seed)
    assert set(data.test.groups) == set(ocr.TEST_FONTS)
    assert set(data.train.groups) | set(data.val.groups) == set(ocr.TRAIN_FONTS)
    assert len(data.test) == 7 * 26 * 2 and len(data.train) + len(data.val) == 16 * 26 * 2
    assert list(data.classes) == list(ocr.LETTERS)
    assert data.input_shape == (1, 32, 32)
    assert data.feature_names[:2] == ["p0", "p1"] and data.feature_names[-1] == "p1023"


def test_data_command_writes_pixel_columns_that_predict_accepts(cli, write_config, tmp_path):
    path = write_config("""\
        data: {dataset: ocr, params: {variants: 1}, scale: none}
        model: {hidden: [16]}
        training: {epochs: 2}
        output: {plots: false}
        """)
    out = tmp_path / "test.csv"
    assert cli("data", path, "--split", "test", "-o", out).exit_code == 0
    header = out.read_text().splitlines()[0].split(",")
    assert header[:2] == ["p0", "p1"] and header[1023] == "p1023" and header[-1] == "target"
    run = cli("train", path, "--runs-root", tmp_path / "runs", "--quiet").stdout.strip()
    result = cli("predict", run, out, "-o", tmp_path / "pred.csv")
    assert result.exit_code == 0, result.stderr
    predictions = (tmp_path / "pred.csv").read_text().splitlines()
    assert predictions[0].startswith("prediction,p_A,p_B")
    assert len(predictions) == 1 + 7 * 26
    report = cli("evaluate", run, "--json")
    import json

    groups = {row["group"] for row in json.loads(report.stdout)["per_group"]}
    assert groups == set(ocr.TEST_FONTS)
