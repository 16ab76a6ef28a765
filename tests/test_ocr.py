"""The OCR letters: real fonts, a split by font design, deterministic augmentation."""

import numpy as np
import pytest

from nncli.config import validate
from nncli.data import ocr
from nncli.data.pipeline import load_dataset

TEST_DESIGNS = ("STIX", "cmss", "cmtt", "pillow")
TRAIN_DESIGNS = ("DejaVu", "cmr", "cmb", "cmti", "cmmi")


def test_train_and_test_fonts_share_no_design():
    assert len(ocr.TRAIN_FONTS) == 16 and len(ocr.TEST_FONTS) == 7
    assert not set(ocr.TRAIN_FONTS) & set(ocr.TEST_FONTS)
    for name in ocr.TRAIN_FONTS:
        assert name.startswith(TRAIN_DESIGNS) and not name.startswith(TEST_DESIGNS), name
    for name in ocr.TEST_FONTS:
        assert name.startswith(TEST_DESIGNS) and not name.startswith(TRAIN_DESIGNS), name


def test_images_shape_range_and_labels():
    images, labels, fonts = ocr.render_letters(["cmr10", "pillow-default"], 3, seed=0)
    assert images.shape == (2 * 26 * 3, 1, 32, 32) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert sorted(set(labels.tolist())) == list(range(26))
    assert np.bincount(fonts).tolist() == [78, 78]
    # ink stays inside the frame: the border rows and columns hold (almost) no ink on clean renders
    clean = images[::3, 0]
    assert clean[:, [0, -1], :].max() < 0.05 and clean[:, :, [0, -1]].max() < 0.05


def test_same_seed_same_bytes_and_samples_do_not_depend_on_the_rest():
    a = ocr.render_letters(["DejaVuSans", "cmtt10"], 2, seed=3)[0]
    b = ocr.render_letters(["DejaVuSans", "cmtt10"], 2, seed=3)[0]
    assert a.tobytes() == b.tobytes()
    more = ocr.render_letters(["cmtt10"], 5, seed=3)[0]
    # cmtt10's variants 0 and 1 of letter A are the same whatever else is generated
    np.testing.assert_array_equal(a[26 * 2 : 26 * 2 + 2], more[:2])
    other = ocr.render_letters(["DejaVuSans", "cmtt10"], 2, seed=4)[0]
    assert not np.array_equal(a[1::2], other[1::2])  # augmented variants differ
    np.testing.assert_array_equal(a[0::2], other[0::2])  # variant 0 is the clean render


def test_variant_zero_is_clean_and_augmented_ones_are_noisy():
    images = ocr.render_letters(["STIXGeneral"], 4, seed=0)[0][:, 0]
    clean, augmented = images[0::4], np.delete(images, np.s_[0::4], axis=0)
    assert np.mean(clean == 0) > 0.5  # an untouched background
    assert np.mean(augmented == 0) < np.mean(clean == 0)


def test_every_font_draws_26_distinct_letters():
    for name in ocr.ALL_FONTS:
        clean = ocr.render_letters([name], 1, seed=0)[0][:, 0]
        assert all(img.sum() > 10 for img in clean), name
        distinct = {img.round(2).tobytes() for img in clean}
        assert len(distinct) == 26, name


def test_a_missing_font_fails_loudly():
    with pytest.raises(ocr.OcrFontError, match="NoSuchFont"):
        ocr.render_letters(["NoSuchFont"], 1, seed=0)


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
