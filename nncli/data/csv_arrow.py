"""The fast path of the CSV reader: a block of clean lines parsed by pyarrow's C++ reader.

pyarrow parses numbers with a correctly rounded algorithm (the floats are bit for bit
those of ``float()`` and of NumPy's parser, which ``tests/test_csv_fast_path.py`` checks)
about three times faster than ``numpy.loadtxt`` for 17-digit numbers.  It is only given
blocks the exact path would accept line for line (``table.Table.chunks`` decides: no
quotes, no long lines; it refuses blank lines itself); anything it
refuses (a bad cell, a wrong width, a NaN) is re-read by the exact path, which names
the line and column.  Small blocks skip it: importing pyarrow costs more than it saves.
"""

import numpy as np

#: blocks smaller than this are parsed by NumPy alone (no pyarrow import for small files)
ARROW_MIN_BYTES = 1 << 20


def parse_block(data, header, numeric, text, delimiter):
    """Clean lines of bytes -> (numbers (N, len(numeric)) float64, text (N, len(text)) str or None),
    or None when pyarrow is missing or refuses the block (the caller then reads it exactly).

    Parameters
    ----------
    data : bytes
        Whole lines, each ending in ``\\n``, without the header.
    header : list of str
        The names of all columns, in file order.
    numeric, text : lists of str
        The columns wanted as finite numbers and as text.
    """
    if len(data) < ARROW_MIN_BYTES:
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:
        return None
    types = {name: pa.float64() for name in numeric}
    types.update({name: pa.string() for name in text})
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            # one thread, the whole block at once: on a shared 2-core machine pyarrow's threads
            # cost 30% more CPU for no shorter wall time (BENCHMARKS.md), and nncli often
            # runs beside its own sweep workers
            read_options=pa_csv.ReadOptions(column_names=header, block_size=len(data) + 1, use_threads=False),
            # a blank line is an error here (the exact path skips it and keeps the line numbers)
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False,
                                              ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=types, include_columns=list(numeric) + list(text),
                                                  null_values=[], strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except pa.ArrowException:  # a bad cell, a wrong width, a blank line: the exact path says which
        return None
    numbers = np.empty((table.num_rows, len(numeric)))
    for j, name in enumerate(numeric):
        start = 0
        for piece in table.column(name).chunks:
            numbers[start:start + len(piece), j] = _float_values(piece)
            start += len(piece)
    if not np.isfinite(numbers).all():
        return None  # the exact path names the cell
    cells = None
    if text:
        cells = np.array([table.column(name).to_pylist() for name in text], dtype=str).T.reshape(-1, len(text))
    return numbers, cells


def _float_values(array):
    """A pyarrow float64 array without nulls as a NumPy view of its buffer (``to_numpy``
    would import pandas when it is installed: 50 MB and a second for nothing)."""
    assert array.null_count == 0
    return np.frombuffer(array.buffers()[1], dtype=np.float64, count=len(array), offset=array.offset * 8)
