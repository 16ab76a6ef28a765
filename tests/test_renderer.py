"""nncli's own picture renderer (nncli/plots: figure, axes, scales, legend, marks, text,
colors): its colour maps and scales against matplotlib's, its ticks, layout, legend
placement, clipping, contour and markers, checked on the pixels it writes."""

import os

import numpy as np
import pytest
from PIL import Image

from nncli.plots import marks, text
from nncli.plots.colors import TAB10, TAB20, colormap, to_rgba, to_rgba8
from nncli.plots.figure import Figure
from nncli.plots.scales import Linear, Log, Logit, SymLog, nice_ticks


def _image(fig):
    return np.asarray(fig.render(), dtype=np.int32)


def _dark(pixels, threshold=100):
    return pixels[..., :3].max(axis=-1) < threshold


# ---- colours ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, tolerance", [("cividis", 5), ("RdBu", 2), ("Blues", 2)])
def test_colour_maps_follow_matplotlibs(name, tolerance):
    from matplotlib import colormaps

    values = np.linspace(0, 1, 256)
    ours = colormap(name, values) * 255
    theirs = colormaps[name](values)[:, :3] * 255
    assert np.abs(ours - theirs).max() <= tolerance


def test_named_and_tab_colours_are_matplotlibs():
    from matplotlib.colors import to_rgba as mpl_rgba

    for color in TAB10 + TAB20 + ("black", "white", "steelblue", "#123456"):
        assert to_rgba(color) == pytest.approx(mpl_rgba(color))
    assert to_rgba("none")[3] == 0 and to_rgba8("#ff0000", 0.5) == (255, 0, 0, 128)
    with pytest.raises(ValueError):
        to_rgba("not-a-colour")


# ---- scales and ticks ------------------------------------------------------------------------


def test_scales_round_trip_and_match_matplotlibs_transforms():
    from matplotlib.scale import LogitTransform, SymmetricalLogTransform

    values = np.array([-50.0, -1.0, -0.3, 0.0, 0.4, 1.0, 7.0, 300.0])
    symlog = SymLog(linthresh=1.0)
    np.testing.assert_allclose(symlog.forward(values), SymmetricalLogTransform(10, 1.0, 1.0).transform(values),
                               rtol=1e-12)
    probabilities = np.array([1e-4, 0.1, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(Logit().forward(probabilities) / np.log(10),
                               LogitTransform().transform(probabilities), rtol=1e-12)
    for scale, sample in ((Linear(), values), (symlog, values), (Log(), values[values > 0]),
                          (Logit(), probabilities)):
        np.testing.assert_allclose(scale.inverse(scale.forward(sample)), sample, rtol=1e-9, atol=1e-12)


def test_linear_ticks_are_round_with_equal_decimals():
    assert nice_ticks(0.0, 1.0, 9) == [(0.0, "0.0"), (0.2, "0.2"), (0.4, "0.4"), (0.6000000000000001, "0.6"),
                                       (0.8, "0.8"), (1.0, "1.0")]
    assert [label for _, label in nice_ticks(-1.2, 1.3, 5)] == ["−1.0", "−0.5", "0.0", "0.5", "1.0"]
    assert [label for _, label in nice_ticks(1, 300, 7, integer=True)] == ["50", "100", "150", "200", "250", "300"]
    assert [label for _, label in nice_ticks(0.9, 4.1, 9, integer=True)] == ["1", "2", "3", "4"]


def test_log_ticks_are_the_powers_of_ten_and_minor_ticks_between():
    majors, minors = Log().ticks(2e-5, 0.7, 6)
    assert [value for value, _ in majors] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert 2e-5 in minors and 0.5 in minors and all(2e-5 <= m <= 0.7 for m in minors)
    many, none = Log().ticks(1e-12, 1.0, 5)  # thirteen decades: every third labelled, no minors
    assert len(many) <= 6 and none == []


# ---- layout, legend, clipping ----------------------------------------------------------------------


def test_the_layout_makes_room_for_long_tick_labels_and_titles():
    fig = Figure(6.0, 4.0)
    ax = fig.subplots()[0]
    ax.plot([0, 1], [123456.0, 987654.0])
    ax.set_ylabel("a y label")
    ax.set_title("first line\nsecond line")
    fig.render()
    x0, y0, x1, y1 = ax.box
    widest = max(text.measure(label, ax.tick_size)[0] for _, label in ax.yaxis.majors)
    assert x0 >= widest + text.measure("a y label", ax.label_size, rotation=90)[0]
    assert y0 >= text.measure("first line\nsecond line", 11, bold=True)[1]
    assert 0 < x0 < x1 <= fig.size[0] and 0 < y0 < y1 <= fig.size[1]


def test_a_best_legend_avoids_the_data():
    fig = Figure(6.0, 4.0)
    ax = fig.subplots()[0]
    x = np.linspace(0, 1, 200)
    ax.plot(x, x, label="rising")  # from lower left to upper right
    ax.scatter(np.full(50, 0.95), np.linspace(0.7, 1.0, 50), label="points")
    ax.legend()
    fig.render()
    left, top = ax.legend_.origin
    x0, y0, x1, y1 = ax.box
    assert left < (x0 + x1) / 2 and top < (y0 + y1) / 2  # upper left: the only empty corner


def test_nothing_drawn_inside_spills_out_of_the_box():
    fig = Figure(5.0, 4.0)
    ax = fig.subplots()[0]
    ax.axis_off()
    ax.plot([-10, 10], [0.5, 0.5], color="black", linewidth=6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    pixels = _image(fig)
    x0, y0, x1, y1 = (int(round(v)) for v in ax.box)
    row = int(round((y0 + y1) / 2))
    assert _dark(pixels[row, x0 + 3 : x1 - 3]).all()
    assert not _dark(pixels[row, : x0 - 2]).any() and not _dark(pixels[row, x1 + 2 :]).any()


# ---- what is drawn ------------------------------------------------------------------------------


def test_a_contour_is_drawn_where_the_field_crosses_its_level():
    fig = Figure(5.0, 5.0)
    ax = fig.subplots()[0]
    ax.axis_off()
    grid = np.linspace(-1, 1, 101)
    x, y = np.meshgrid(grid, grid)
    ax.contour([np.hypot(x, y)], (-1, 1, -1, 1), level=0.5, linewidth=1.5)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    pixels = _image(fig)
    px, py = ax.place(np.array([0.5, 0.0, 0.8]), np.array([0.0, 0.0, 0.0]))
    row = int(round(py[0]))
    assert _dark(pixels[row - 1 : row + 2, int(px[0]) - 2 : int(px[0]) + 3]).any()  # on the circle
    assert not _dark(pixels[row, int(px[1])]) and not _dark(pixels[row, int(px[2])])  # inside, outside


@pytest.mark.parametrize("kind", sorted(set(marks.SHAPES) | {"o"}))
def test_every_marker_draws_a_shape_centred_on_its_point(kind):
    from PIL import ImageDraw

    image = Image.new("RGB", (60, 60), "white")
    marks.marker(ImageDraw.Draw(image, "RGBA"), kind, 30, 30, 12, (0, 0, 0, 255), (255, 0, 0, 255), 2)
    pixels = np.asarray(image, dtype=np.int32)
    dark = _dark(pixels) | (pixels[..., 0] > 200) & (pixels[..., 1] < 60)  # the black fill or the red edge
    rows, columns = np.nonzero(dark)
    assert len(rows) > 30
    # centred as matplotlib centres them: a triangle by its bounding box, a pentagon by its circle
    assert abs((rows.min() + rows.max()) / 2 - 30) <= 1.5 and abs((columns.min() + columns.max()) / 2 - 30) <= 1.5


def test_dashed_and_dotted_lines_leave_gaps():
    from PIL import ImageDraw

    counts = {}
    for style in ("-", "--", ":"):
        image = Image.new("RGB", (200, 20), "white")
        marks.polyline(ImageDraw.Draw(image, "RGBA"), [(10, 10), (190, 10)], (0, 0, 0, 255), 2, style)
        counts[style] = int(_dark(np.asarray(image, dtype=np.int32)).sum())
    assert counts["-"] > counts["--"] > 0 and counts["-"] > counts[":"] > 0


def test_a_saved_picture_is_a_whole_png_and_leaves_no_temporary_file(tmp_path):
    fig = Figure(4.0, 3.0)
    ax = fig.subplots()[0]
    ax.plot([1, 2, 3], [3, 1, 2], label="a line")
    ax.legend()
    fig.save(tmp_path / "out.png")
    assert os.listdir(tmp_path) == ["out.png"]
    with Image.open(tmp_path / "out.png") as png:
        assert png.format == "PNG" and png.size == fig.size


def test_the_png_writer_gives_pillow_the_exact_pixels_back():
    import io

    from nncli.plots.png import png_bytes

    pixels = np.random.default_rng(0).integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    with Image.open(io.BytesIO(png_bytes(pixels))) as png:
        assert png.format == "PNG" and png.mode == "RGB" and png.size == (53, 37)
        np.testing.assert_array_equal(np.asarray(png), pixels)
    with pytest.raises(ValueError):
        png_bytes(pixels[..., :2])


@pytest.mark.parametrize("values", [[1e300, 1e-300], [0.5, 0.5 + 1e-15], [7.0], [2.0, np.inf, np.nan, 3.0]])
def test_a_log_axis_draws_any_positive_range(values):
    fig = Figure(5.0, 3.0)
    ax = fig.subplots()[0]
    ax.plot(np.arange(len(values)), values)
    ax.set_yscale("log")
    fig.render()
    low, high = ax.get_ylim()
    assert 0 < low < high < np.inf
    assert len([label for _, label in ax.yaxis.majors + ax.yaxis.minors if label]) >= 2


def test_a_huge_label_is_cut_and_drawn_at_once():
    """A CSV header or class label may be 65,536 characters: it is cut to text.MAX_LINE characters,
    a title to text.MAX_LINES lines, and the picture is still drawn (once this took 2 s)."""
    from nncli.plots.style import set_title

    fig = Figure(6.0, 4.0)
    ax = fig.subplots()[0]
    ax.plot([0, 1], [0, 1], label="L" * 65536)
    ax.set_xlabel("x" * 65536)
    set_title(ax, "T" * 65536)
    ax.legend()
    fig.render()
    assert text.lines_of("L" * 65536) == ["L" * (text.MAX_LINE - 1) + "…"]
    assert len(text.lines_of(ax.title)) == text.MAX_LINES
    x0, y0, x1, y1 = ax.box
    assert 0 < y0 < y1 <= fig.size[1]


# ---- what a review found (each failed before its fix) ------------------------------------------


def test_control_characters_in_labels_are_drawn_as_escapes():
    odd = "neg\x1c \r\x85\u2029x\x1dy"
    assert text.lines_of(odd) == ["neg\\x1c \\r\\x85\\u2029x\\x1dy"]
    fig = Figure(5.0, 3.0)
    ax = fig.subplots()[0]
    ax.plot([0, 1], [0, 1], label=odd)
    ax.set_xlabel(odd)
    ax.set_xticks([0, 1], [odd, "b"])
    ax.legend()
    fig.render()  # Pillow's layout failed on several of these ("raqm_layout() failed")


def test_long_tick_labels_leave_the_data_their_room():
    fig = Figure(6.0, 5.0)
    ax = fig.subplots()[0]
    ax.imshow(np.zeros((3, 3, 3), dtype=np.uint8))
    names = ["class " + "x" * 300 + str(k) for k in range(3)]
    ax.set_xticks(range(3), names, rotation=90)
    ax.set_yticks(range(3), names)
    fig.render()
    x0, y0, x1, y1 = ax.box
    assert 0 <= x0 < x1 <= fig.size[0] and 0 <= y0 < y1 <= fig.size[1]
    assert min(x1 - x0, y1 - y0) >= 0.3 * min(fig.size)
    assert all(len(label) <= 24 for _, label in ax.yaxis.majors)


def test_a_title_with_a_blank_line_is_wrapped():
    from nncli.plots.style import set_title

    fig = Figure(5.0, 3.0)
    ax = fig.subplots()[0]
    set_title(ax, "line one\n\nline three")
    assert ax.title == "line one\n\nline three"


def test_a_symlog_axis_far_below_zero_keeps_its_ticks_few_and_spread():
    ticks, _ = SymLog(linthresh=1.0).ticks(-3e20, 1.0, 6)
    values = [value for value, _ in ticks]
    assert 3 <= len(values) <= 7 and min(values) <= -1e17 and 0.0 in values


def test_a_curve_flat_but_for_rounding_gets_distinct_round_ticks():
    fig = Figure(5.0, 3.0)
    ax = fig.subplots()[0]
    ax.plot([0, 1, 2], [0.6931471805599453, 0.6931471805599454, 0.6931471805599453])
    fig.render()
    labels = [label for _, label in ax.yaxis.majors]
    assert 2 <= len(labels) <= 10 and len(set(labels)) == len(labels) and all(len(label) < 10 for label in labels)


def test_an_image_follows_a_reversed_axis_and_stays_in_its_box():
    fig = Figure(4.0, 4.0)
    ax = fig.subplots()[0]
    ax.axis_off()
    red_top = np.zeros((2, 1, 3), dtype=np.uint8)
    red_top[0] = (255, 0, 0)  # row 0 red: at y=1 (extent top), blue below
    red_top[1] = (0, 0, 255)
    ax.imshow(red_top, extent=(-5, 5, -1, 1), origin="upper")
    ax.set_xlim(0, 1)
    ax.set_ylim(1, -1)  # reversed: y=1 at the bottom
    pixels = _image(fig)
    x0, y0, x1, y1 = (int(round(v)) for v in ax.box)
    middle = (x0 + x1) // 2
    assert tuple(pixels[y1 - 5, middle]) == (255, 0, 0) and tuple(pixels[y0 + 5, middle]) == (0, 0, 255)
    assert tuple(pixels[(y0 + y1) // 2, max(0, x0 - 5)]) == (255, 255, 255)  # not beyond the box


@pytest.mark.parametrize("values, scale, limits", [([-1e308, 1e308], "linear", None), ([0, 1.5e-323], "linear", None),
                                                   ([0.1, 0.5], "log", (0, 1))])
def test_extreme_ranges_draw(values, scale, limits):
    fig = Figure(4.0, 3.0)
    ax = fig.subplots()[0]
    ax.plot([0, 1], values)
    ax.set_yscale(scale)
    if limits:
        ax.set_ylim(*limits)
    fig.render()
    assert all(np.isfinite(ax.yaxis.view)) and ax.yaxis.view[0] < ax.yaxis.view[1]


def test_a_picture_is_at_most_max_side_pixels_long():
    from nncli.plots.figure import MAX_SIDE

    fig = Figure(1.0, 500.0)
    assert max(fig.size) <= MAX_SIDE and fig.size[1] / fig.size[0] == pytest.approx(500, rel=0.01)
