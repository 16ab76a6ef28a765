"""Tests for the OCR letters dataset generator (nncli.data.ocr)."""

import os

import matplotlib
import numpy as np
import pytest

from nncli.data import ocr, ocr_strokes

TRAIN_DESIGNS = ("DejaVu", "cmr", "cmb", "cmti", "cmmi")
TEST_DESIGNS = ("STIX", "cmss", "cmtt", "pillow")


@pytest.fixture(scope="module")
def clean_all():
    """Variant 0 (clean) of every letter in every known font."""
    return ocr.render_letters(ocr.ALL_FONTS, 1, 0)


@pytest.fixture(scope="module")
def test_split():
    """A small slice of the test split: 3 variants per letter and font."""
    return ocr.render_letters(ocr.TEST_FONTS, 3, 7)


@pytest.fixture
def fresh_masters():
    """Make a test see its own font setup, not masters cached earlier."""
    ocr._glyph_masters.cache_clear()
    yield
    ocr._glyph_masters.cache_clear()


def _bbox(image, threshold=0.0):
    rows = np.flatnonzero(image.max(axis=1) > threshold)
    cols = np.flatnonzero(image.max(axis=0) > threshold)
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


# --- splits ---------------------------------------------------------------


def test_font_lists_have_expected_sizes_and_order():
    assert len(ocr.TRAIN_FONTS) == 16
    assert len(ocr.TEST_FONTS) == 7
    assert ocr.ALL_FONTS == ocr.TRAIN_FONTS + ocr.TEST_FONTS
    assert len(set(ocr.ALL_FONTS)) == len(ocr.ALL_FONTS)
    assert ocr.LETTERS == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_train_and_test_fonts_share_no_design():
    assert not set(ocr.TRAIN_FONTS) & set(ocr.TEST_FONTS)
    for name in ocr.TRAIN_FONTS:
        assert name.startswith(TRAIN_DESIGNS), name
        assert not any(d.lower() in name.lower() for d in TEST_DESIGNS), name
    for name in ocr.TEST_FONTS:
        assert name.startswith(TEST_DESIGNS), name
        assert not any(d.lower() in name.lower() for d in TRAIN_DESIGNS), name


# --- arrays ---------------------------------------------------------------


def test_shapes_dtypes_and_ranges(test_split):
    images, labels, font_index = test_split
    n = len(ocr.TEST_FONTS) * 26 * 3
    assert images.shape == (n, 1, 32, 32)
    assert images.dtype == np.float32
    assert labels.shape == font_index.shape == (n,)
    assert labels.dtype == font_index.dtype == np.int64
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert np.isfinite(images).all()


def test_order_is_font_then_letter_then_variant(test_split):
    _, labels, font_index = test_split
    per_font = np.repeat(np.arange(26), 3)
    assert np.array_equal(labels, np.tile(per_font, len(ocr.TEST_FONTS)))
    assert np.array_equal(font_index, np.repeat(np.arange(len(ocr.TEST_FONTS)), 78))


def test_font_index_refers_to_the_given_sequence():
    images, labels, font_index = ocr.render_letters(["cmtt10", "DejaVuSans"], 2, 0)
    assert images.shape == (2 * 26 * 2, 1, 32, 32)
    assert set(labels.tolist()) == set(range(26))
    assert font_index.tolist() == [0] * 52 + [1] * 52


def test_ink_is_bright_on_dark_background(test_split):
    images = test_split[0][:, 0]
    assert images[:, :, 0].mean() < 0.1  # left column: background
    ink_fraction = (images > 0.5).mean(axis=(1, 2))
    assert (ink_fraction > 0.02).all() and (ink_fraction < 0.6).all()


# --- determinism and independence ------------------------------------------


def test_same_seed_gives_identical_bytes():
    a = ocr.render_letters(["STIXGeneral", "cmr10"], 3, 11)
    b = ocr.render_letters(["STIXGeneral", "cmr10"], 3, 11)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes()


def test_sample_does_not_depend_on_number_of_variants():
    few = ocr.render_letters(["cmss10"], 2, 5)[0].reshape(26, 2, 32, 32)
    many = ocr.render_letters(["cmss10"], 5, 5)[0].reshape(26, 5, 32, 32)
    assert np.array_equal(few, many[:, :2])


def test_sample_does_not_depend_on_other_fonts():
    alone = ocr.render_letters(["cmtt10"], 3, 5)[0]
    together, _, font_index = ocr.render_letters(["cmb10", "cmtt10", "STIXGeneral"], 3, 5)
    assert np.array_equal(alone, together[font_index == 1])


def test_different_seed_changes_augmented_variants_only():
    a = ocr.render_letters(["DejaVuSerif"], 3, 0)[0].reshape(26, 3, 32, 32)
    b = ocr.render_letters(["DejaVuSerif"], 3, 1)[0].reshape(26, 3, 32, 32)
    assert np.array_equal(a[:, 0], b[:, 0])
    differs = [not np.array_equal(a[i, v], b[i, v]) for i in range(26) for v in (1, 2)]
    assert all(differs)


def test_augmented_variants_differ_from_each_other_and_from_clean():
    images = ocr.render_letters(["cmr10"], 4, 3)[0].reshape(26, 4, 32, 32)
    for letter in images:
        flat = letter.reshape(4, -1)
        assert len({row.tobytes() for row in flat}) == 4


# --- clean renders ---------------------------------------------------------


def test_clean_variant_has_no_noise(clean_all):
    images = clean_all[0][:, 0]
    # Noise would leave almost no background pixel exactly 0.
    zero_fraction = (images == 0.0).mean(axis=(1, 2))
    assert (zero_fraction > 0.4).all()
    assert (images.max(axis=(1, 2)) > 0.9).all()


def test_noisy_variants_have_noisy_background():
    images = ocr.render_letters(["cmr10"], 4, 3)[0].reshape(26, 4, 32, 32)
    background = images[:, 1:, 0, :]  # top rows of augmented samples
    assert (background > 0).mean() > 0.2


def test_clean_glyph_is_centred_in_24px_box_and_inside_frame(clean_all):
    for image, label, f in zip(clean_all[0][:, 0], *clean_all[1:]):
        where = f"{ocr.ALL_FONTS[f]} {ocr.LETTERS[label]}"
        top, bottom, left, right = _bbox(image)
        assert max(bottom - top, right - left) == 24, where
        assert abs((top + bottom) / 2 - 16) <= 0.5, where
        assert abs((left + right) / 2 - 16) <= 0.5, where
        # Nothing near the frame edge: a clean glyph has a ~4 px margin.
        border = np.ones((32, 32), bool)
        border[3:-3, 3:-3] = False
        assert image[border].max() == 0.0, where


def test_augmented_ink_stays_mostly_inside_frame(test_split):
    images = test_split[0][:, 0]
    edge = np.concatenate(
        [images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1
    )
    # A max-scale, rotated, shifted glyph may graze the edge; most never do.
    assert ((edge > 0.5).sum(axis=1) == 0).mean() > 0.9


def test_each_font_renders_26_distinct_glyphs(clean_all):
    images, labels, font_index = clean_all
    for f, name in enumerate(ocr.ALL_FONTS):
        glyphs = images[font_index == f, 0].reshape(26, -1)
        diff = np.abs(glyphs[:, None] - glyphs[None]).mean(axis=2)
        np.fill_diagonal(diff, np.inf)
        assert diff.min() > 0.02, name


def test_labels_match_glyphs_across_fonts(clean_all):
    # Nearest clean DejaVuSans template should recognise most letters of a
    # sibling face; a label/glyph misalignment would make this fail.
    images, _, font_index = clean_all
    templates = images[font_index == ocr.ALL_FONTS.index("DejaVuSans"), 0]
    queries = images[font_index == ocr.ALL_FONTS.index("DejaVuSans-Bold"), 0]
    dists = ((queries[:, None] - templates[None]) ** 2).sum(axis=(2, 3))
    assert (dists.argmin(axis=1) == np.arange(26)).mean() >= 0.8


def _reference_render(font_file, letter):
    """Render a letter straight with Pillow, centred, max side 24 px."""
    from PIL import Image, ImageDraw, ImageFont

    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", font_file)
    font = ImageFont.truetype(path, 96)
    canvas = Image.new("L", (200, 200))
    ImageDraw.Draw(canvas).text((50, 50), letter, fill=255, font=font)
    glyph = canvas.crop(canvas.getbbox())
    scale = 24 / max(glyph.size)
    size = (max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale)))
    glyph = glyph.resize(size, Image.Resampling.BOX)
    frame = Image.new("L", (32, 32))
    frame.paste(glyph, ((32 - size[0]) // 2, (32 - size[1]) // 2))
    return np.asarray(frame, np.float32) / 255


def test_labels_match_independently_rendered_letters(clean_all):
    images, _, font_index = clean_all
    generated = images[font_index == ocr.ALL_FONTS.index("DejaVuSans"), 0]
    reference = np.stack([_reference_render("DejaVuSans.ttf", c) for c in ocr.LETTERS])
    dists = ((generated[:, None] - reference[None]) ** 2).sum(axis=(2, 3))
    assert np.array_equal(dists.argmin(axis=1), np.arange(26))


def test_randomness_is_seeded_by_global_font_id(monkeypatch, fresh_masters):
    # Same glyphs under two names: only the font id in the seed differs.
    monkeypatch.setitem(ocr.FONT_FILES, "cmb10", ocr.FONT_FILES["cmr10"])
    images, _, font_index = ocr.render_letters(["cmr10", "cmb10"], 3, 0)
    a = images[font_index == 0].reshape(26, 3, 32, 32)
    b = images[font_index == 1].reshape(26, 3, 32, 32)
    assert np.array_equal(a[:, 0], b[:, 0])
    assert not any(np.array_equal(a[i, v], b[i, v]) for i in range(26) for v in (1, 2))
    # The id is the position in ALL_FONTS, not in the requested sequence.
    first = ocr.render_letters(["cmb10", "cmr10"], 3, 0)[0][: 26 * 3]
    assert np.array_equal(first.reshape(26, 3, 32, 32), b)


# --- stroke filters --------------------------------------------------------


def test_thinning_that_erases_hairlines_is_skipped():
    hairline = np.zeros((1, 32, 32), np.float32)
    hairline[0, 4:28, 16] = 1.0
    block = np.zeros((1, 32, 32), np.float32)
    block[0, 8:24, 8:24] = 1.0
    images = np.concatenate([hairline, block])
    thin = np.full(2, ocr_strokes.THIN)
    out = ocr_strokes.apply_strokes(images, thin)
    assert np.array_equal(out[0], hairline[0])
    assert out[1].sum() == 14 * 14
    thick = ocr_strokes.apply_strokes(images, np.full(2, ocr_strokes.THICKEN))
    assert thick[0].sum() == 3 * 26 and thick[1].sum() == 18 * 18
    same = ocr_strokes.apply_strokes(images, np.full(2, ocr_strokes.NO_STROKE))
    assert np.array_equal(same, images)


# --- errors ----------------------------------------------------------------


def test_unknown_font_name_raises_naming_it():
    with pytest.raises(ocr.OcrFontError, match="NoSuchFont"):
        ocr.render_letters(["DejaVuSans", "NoSuchFont"], 1, 0)
    assert issubclass(ocr.OcrFontError, ValueError)



def test_missing_font_file_raises_naming_the_file(monkeypatch, fresh_masters):
    monkeypatch.setitem(ocr.FONT_FILES, "cmr10", "no-such-file.ttf")
    with pytest.raises(ocr.OcrFontError, match="no-such-file.ttf"):
        ocr.render_letters(["cmr10"], 1, 0)


def test_font_without_latin_glyphs_is_rejected(monkeypatch, fresh_masters):
    # LastResort draws the same placeholder for every letter of a script.
    placeholder = "LastResortHE-Regular.ttf"
    font_dir = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    if not os.path.isfile(os.path.join(font_dir, placeholder)):
        pytest.skip("this matplotlib does not ship the LastResort font")
    monkeypatch.setitem(ocr.FONT_FILES, "cmr10", placeholder)
    with pytest.raises(ocr.OcrFontError, match="LastResortHE-Regular"):
        ocr.render_letters(["cmr10"], 1, 0)


def test_identical_glyphs_are_rejected():
    box = ocr.Image.new("L", (10, 10), 255)
    with pytest.raises(ocr.OcrFontError, match="identically"):
        ocr._check_glyphs("cmr10", (box,) * 26, None)


@pytest.mark.parametrize(
    "fonts, variants, seed",
    [([], 1, 0), (["cmr10"], 0, 0), (["cmr10"], 1, -1), (["cmr10"], 1.5, 0)],
)
def test_bad_arguments_raise_value_error(fonts, variants, seed):
    with pytest.raises(ValueError):
        ocr.render_letters(fonts, variants, seed)


def test_a_font_error_is_bad_data_exit_2_in_one_line(monkeypatch, fresh_masters, cli, write_config):
    from nncli.errors import DataError

    assert issubclass(ocr.OcrFontError, DataError)
    monkeypatch.setitem(ocr.FONT_FILES, "cmr10", "no-such-file.ttf")
    config = write_config("data: {dataset: ocr, params: {variants: 1}}\n")
    result = cli("data", config, "--split", "test", "-o", "-")
    assert result.exit_code == 2
    assert "no-such-file.ttf" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
