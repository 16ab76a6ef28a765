"""The network itself (``network.png``).

A network of dense layers is drawn as the from-scratch write-ups draw it: nodes
in columns, every weight a line coloured by its sign and as thick as its
magnitude, each layer's biases fed from a "1" node, arrows for the inputs and
outputs.  A column wider than ``MAX_FULL`` units shows only its ``SHOWN``
strongest units (and "⋮ n more"), so a 1024-225-225-26 network stays readable.
Any other network (convolutions, recurrent layers, ...) is drawn as a block
diagram of its layers with their output shapes and parameter counts.
"""

import math

import numpy as np

from ..nn.layers import Dense
from .artists import Arrow, Box, Line, Segments
from .colors import to_rgba
from .style import NEGATIVE, POSITIVE, figure, save, set_title

MAX_FULL = 16  # a column with at most this many units is drawn whole
SHOWN = 12  # otherwise: its strongest units
MAX_WIDTH = 4.5  # line width of the largest |weight|
MIN_WIDTH = 0.25


def applies(view):
    return True


def dense_layers(model):
    """The layers with parameters, if every one of them is Dense (else None)."""
    layers = [layer for layer in model.layers if layer.params]
    if layers and all(isinstance(layer, Dense) for layer in layers):
        return layers
    return None


def draw_network(view, path):
    layers = dense_layers(view.model)
    if layers is None:
        return _draw_blocks(view, path)
    return _draw_graph(view, layers, path)


# ---- node-and-edge graph -----------------------------------------------------


def _shown_units(weights, sizes):
    """For each column, the indices of the units drawn (sorted).

    A wide column keeps the units with the largest summed |weight| in and out.
    """
    shown = []
    for column, size in enumerate(sizes):
        if size <= MAX_FULL:
            shown.append(np.arange(size))
            continue
        strength = np.zeros(size)
        if column > 0:
            strength += np.abs(weights[column - 1]).sum(axis=1)
        if column < len(weights):
            strength += np.abs(weights[column]).sum(axis=0)
        shown.append(np.sort(np.argsort(-strength, kind="stable")[:SHOWN]))
    return shown


def _positions(count):
    """y of ``count`` nodes centred on 0, top to bottom, one unit apart."""
    return (count - 1) / 2.0 - np.arange(count)


def _output_names(view, units):
    """What each output unit means: class probabilities or target names."""
    if view.classification:
        labels = view.class_labels
        if units == 1:
            return [f"P(y={labels[1]})"]
        return [f"P(y={label})" for label in labels[:units]]
    names = list(view.dataset.target_names)
    return names if len(names) == units else [f"y{j}" for j in range(units)]


def _input_names(view, count):
    names = [str(name) for name in view.dataset.feature_names]
    return names if len(names) == count else [f"x{j}" for j in range(count)]


def _short(text, limit=14):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _draw_graph(view, layers, path):
    weights = [np.asarray(layer.params["weight"], dtype=np.float64).reshape(layer.units, -1) for layer in layers]
    biases = [np.asarray(layer.params["bias"], dtype=np.float64) for layer in layers]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    shown = _shown_units(weights, sizes)
    ys = [_positions(len(index)) for index in shown]
    top = max(len(index) for index in shown) / 2.0 + 0.6  # height of the bias nodes
    bottom = -max(len(index) for index in shown) / 2.0

    segments, values = [], []
    bias_segments, bias_values = [], []
    for i, (weight, bias) in enumerate(zip(weights, biases)):
        outs, ins = shown[i + 1], shown[i]
        block = weight[np.ix_(outs, ins)]
        y_out, y_in = ys[i + 1], ys[i]
        # every (out, in) pair: a segment from column i to column i + 1
        start = np.column_stack([np.full(block.size, i), np.tile(y_in, len(outs))])
        end = np.column_stack([np.full(block.size, i + 1), np.repeat(y_out, len(ins))])
        segments.append(np.stack([start, end], axis=1))
        values.append(block.ravel())
        bias_start = np.column_stack([np.full(len(outs), i), np.full(len(outs), top)])
        bias_end = np.column_stack([np.full(len(outs), i + 1), y_out])
        bias_segments.append(np.stack([bias_start, bias_end], axis=1))
        bias_values.append(bias[outs])
    n_weight_edges = sum(len(v) for v in values)
    n_bias_edges = sum(len(v) for v in bias_values)
    segments = np.concatenate(segments + bias_segments)
    values = np.concatenate(values + bias_values)

    largest = float(np.max(np.abs(values))) if values.size else 1.0
    largest = largest if largest > 0 and math.isfinite(largest) else 1.0
    magnitude = np.abs(values) / largest
    order = np.argsort(magnitude, kind="stable")  # strongest drawn last, on top
    colors = np.where(values[order, None] >= 0, np.array(to_rgba(POSITIVE)), np.array(to_rgba(NEGATIVE)))
    colors[:, 3] = 0.45 + 0.5 * magnitude[order]

    columns = len(sizes)
    tallest = max(len(index) for index in shown)
    width = min(16.0, 2.2 + 2.0 * columns)
    height = min(12.0, max(4.6, 0.36 * tallest + 2.6))
    fig, ax = figure(width, height)
    ax.add(Segments(segments[order], colors, MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * magnitude[order]))
    node_size = 150 if tallest <= 12 else 90
    for column, y in enumerate(ys):
        ax.scatter(np.full(len(y), column), y, s=node_size, color="black", edgecolors="white",
                   linewidths=1.0, zorder=3)
        hidden = sizes[column] - len(y)
        if hidden:
            ax.text(column, y[-1] - 0.95, f"⋮\n{hidden} more", ha="center", va="top", fontsize=8.5)
    for column in range(columns - 1):  # one "1" node per layer, feeding its biases
        ax.scatter([column], [top], s=node_size * 1.4, color="white", edgecolors="black", linewidths=1.2, zorder=3)
        ax.text(column, top, "1", ha="center", va="center", fontsize=9, bold=True)

    label_inputs = len(shown[0]) <= MAX_FULL
    names = _input_names(view, sizes[0])
    for j, y in zip(shown[0], ys[0]):
        ax.add(Arrow((-0.42, y), (-0.09, y)))
        if label_inputs:
            ax.text(-0.46, y, _short(names[j]), ha="right", va="center", fontsize=8.5)
    outputs = _output_names(view, sizes[-1])
    last = columns - 1
    for j, y in zip(shown[-1], ys[-1]):
        ax.add(Arrow((last + 0.09, y), (last + 0.42, y)))
        ax.text(last + 0.46, y, _short(outputs[j]), ha="left", va="center", fontsize=8.5)

    label_y = bottom - (1.9 if any(sizes[c] > len(shown[c]) for c in range(columns)) else 0.7)
    for column in range(columns):
        if column == 0:
            text = f"input\n{sizes[0]} features"
        else:
            layer = layers[column - 1]
            role = "output" if column == last else f"hidden {column}"
            text = f"{role}\n{layer.units} {layer.activation.name}"
        ax.text(column, label_y, text, ha="center", va="top", fontsize=9)

    ax.set_xlim(-1.25, last + 1.25)
    ax.set_ylim(label_y - 1.1, top + 0.8)
    ax.axis_off()
    shape = "-".join(str(s) for s in sizes)
    n_params = sum(w.size + b.size for w, b in zip(weights, biases))
    title = f"Network {shape}: {n_params} parameters"
    if any(sizes[c] > len(shown[c]) for c in range(columns)):
        title += f"\n(wide layers: the {SHOWN} units with the largest weights and the edges between them)"
    set_title(ax, title)
    ax.legend(handles=[Line([], [], color=POSITIVE, linewidth=3, label="positive weight"),
                       Line([], [], color=NEGATIVE, linewidth=3, label="negative weight"),
                       Line([], [], color="none", label=f"width ∝ |weight|; largest {largest:.3g}")],
              loc="below", ncols=3, frameon=False)
    save(fig, path)
    return {
        "kind": "graph",
        "edges": int(n_weight_edges),
        "bias_edges": int(n_bias_edges),
        "weights": int(sum(w.size for w in weights)),
        "biases": int(sum(b.size for b in biases)),
        "sizes": sizes,
        "shown": [int(len(index)) for index in shown],
    }


# ---- block diagram -------------------------------------------------------------


def _draw_blocks(view, path):
    """One box per layer, top to bottom: its type, settings, output shape, parameters."""
    model = view.model
    layers = list(model.layers)
    rows = [("input", f"shape {tuple(model.input_shape)}", None)]
    for layer in layers:
        about = layer.describe()
        about = about if len(about) <= 60 else about[:59] + "…"
        shape = tuple(layer.output_shape) if layer.output_shape is not None else "?"
        output = f"→ {shape}" + (f"   {layer.n_params:,} parameters" if layer.n_params else "")
        detail = f"{about}\n{output}" if about else output
        rows.append((type(layer).__name__, detail, bool(layer.params)))
    height = 0.8 * len(rows) + 1.0
    fig, ax = figure(7.0, min(16.0, height))
    box_h = 0.78
    for i, (name, detail, has_params) in enumerate(rows):
        y = -i * 1.15
        face = "#e3ecf7" if has_params else ("#f2f2f2" if has_params is False else "#fff7e0")
        ax.add(Box(0.08, y - box_h / 2, 0.84, box_h, facecolor=face, edgecolor="#333333", linewidth=1.1))
        ax.text(0.12, y, name, ha="left", va="center", fontsize=10, bold=True)
        ax.text(0.40, y, detail, ha="left", va="center", fontsize=8.5)
        if i:
            ax.add(Arrow((0.5, y + 1.15 - box_h / 2 - 0.02), (0.5, y + box_h / 2 + 0.02)))
    last = -(len(rows) - 1) * 1.15
    ax.add(Arrow((0.5, last - box_h / 2 - 0.02), (0.5, last - box_h / 2 - 0.45)))
    ax.text(0.53, last - box_h / 2 - 0.3, "output", ha="left", va="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(last - 1.0, 0.75)
    ax.axis_off()
    set_title(ax, f"Network: {len(layers)} layers, {model.n_params:,} parameters")
    save(fig, path)
    return {"kind": "blocks", "blocks": len(layers)}
