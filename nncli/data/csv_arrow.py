"""The fast path of the CSV reader: a block of clean lines parsed by pyarrow's C++ reader.

pyarrow parses numbers with a correctly rounded algorithm (the floats are bit for bit
those of ``float()`` and of NumPy's parser, which ``tests/test_csv_fast_path.py`` checks)
about three times faster than ``numpy.loadtxt`` for 17-digit numbers.  It is only given
blocks the exact path would accept line for line (``table.Table.chunks`` decides: no
quotes, no long lines; it refuses blank lines itself); anything it
refuses (a bad cell, a wrong width, a NaN) is re-read by the exact path, which names
the line and column.  Small blocks skip it: importing pyarrow costs more than it saves.
"""

import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import numpy as np

from .csv_source import has_line_longer

#: read whole files in one multi-threaded call when they qualify (``read_file``); False: blocks only
WHOLE_FILES = True
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
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            # one thread, the whole block at once: on a shared 2-core machine pyarrow's threads
            # cost 30% more CPU for no shorter wall time (BENCHMARKS.md), and nncli often
            # runs beside its own sweep workers
            read_options=pa_csv.ReadOptions(column_names=header, block_size=len(data) + 1, use_threads=False),
            **_options(pa, pa_csv, numeric, text, delimiter))
    except pa.ArrowException:  # a bad cell, a wrong width, a blank line: the exact path says which
        return None
    return _arrays(table, numeric, text)


def _float_values(array):
    """A pyarrow float64 array without nulls as a NumPy view of its buffer (``to_numpy``
    would import pandas when it is installed: 50 MB and a second for nothing)."""
    assert array.null_count == 0
    return np.frombuffer(array.buffers()[1], dtype=np.float64, count=len(array), offset=array.offset * 8)


def read_file(path, header, numeric, text, delimiter, budget, max_cell_chars):
    """A whole regular file whose header is its first line, parsed by pyarrow on its threads:
    (numbers (N, len(numeric)) float64, text (N, len(text)) str or None), or None when it
    does not qualify or pyarrow refuses a cell, a width or a blank line (the caller then
    reads the file exactly, which names the line and column).

    It qualifies when every column is wanted (as numbers or as text, not both), it holds
    no quote, no NUL byte and no line over ``max_cell_chars`` (the checks ``Table`` makes on
    a block), its rows surely fit in ``budget`` bytes, and it is at least ``ARROW_MIN_BYTES``.
    """
    if not WHOLE_FILES or set(numeric) & set(text) or set(numeric) | set(text) != set(header):
        return None
    try:
        with open(path, "rb") as handle:
            before = os.fstat(handle.fileno())
            # a float64 (8 bytes) for at least 2 bytes ("0,"): 4 bytes per byte at most
            if before.st_size < max(ARROW_MIN_BYTES, 1) or 4 * before.st_size > budget:
                return None
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            try:
                parsed = None
                if data.find(b'"') < 0 and data.find(b"\0") < 0 and not has_line_longer(data, max_cell_chars):
                    parsed = _parse_file(data, header, numeric, text, delimiter)
            finally:
                _close(data)
            after = os.fstat(handle.fileno())
    except (OSError, ValueError):
        return None
    if parsed is None or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return None
    numbers, cells = parsed
    if not len(numbers) or numbers.nbytes + (0 if cells is None else cells.nbytes) > budget:
        return None  # no rows, or too many: the exact path says so with a line number
    return parsed


#: bytes of the file given to each pyarrow call: its tables, freed after each, reuse one
#: pool's memory, where one table of the whole file would take as much fresh memory as the rows
SEGMENT_BYTES = 64 << 20


def _parse_file(data, header, numeric, text, delimiter):
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:
        return None
    options = _options(pa, pa_csv, numeric, text, delimiter)
    read = pa_csv.ReadOptions(column_names=header, use_threads=True)
    # at most one row per 2 bytes per column ("0,"); pages past the rows are never touched
    numbers = _empty_in_small_pages(((len(data) + 1) // (2 * len(header)) + 1, len(numeric)))
    cells, rows = [], 0
    view = memoryview(data)
    start = data.find(b"\n") + 1  # after the header line
    if data.find(b"\r", 0, max(start - 2, 0)) >= 0:
        return None  # the header ends in a lone \r: the exact path counts the lines
    segments = []
    while 0 < start < len(data):
        end = data.find(b"\n", min(start + SEGMENT_BYTES, len(data) - 1)) + 1 or len(data)
        segments.append(view[start:end])
        start = end

    def parse(segment):
        # pyarrow's threads: on a whole file they cut the wall time (BENCHMARKS.md, "CSV datasets")
        return pa_csv.read_csv(pa.py_buffer(segment), read_options=read, **options)

    # the next segment is parsed while this one is copied into the rows
    with ThreadPoolExecutor(max_workers=1) as pool:
        parsing = [pool.submit(parse, segment) for segment in segments[:1]]
        for k in range(len(segments)):
            try:
                table = parsing.pop().result()
            except pa.ArrowException:
                return None
            if k + 1 < len(segments):
                parsing.append(pool.submit(parse, segments[k + 1]))
            if not _fill(table, numeric, numbers, rows):
                return None  # the exact path names the cell
            rows += table.num_rows
            cells += [table.column(name).to_pylist() for name in text] if text else []
            del table
    if text:
        columns = [list(chain.from_iterable(cells[i::len(text)])) for i in range(len(text))]
        cells = np.array(columns, dtype=str).T.reshape(-1, len(text))
    return numbers[:rows], cells if text else None


def _empty_in_small_pages(shape):
    """``np.empty(shape)`` without NumPy's request for huge pages: this array is written once
    and read once (split, scaled), and on a VM short of free huge pages the kernel compacts
    memory as each is first touched: 1.4 s for 400 MB against 0.2 s in 4 kB pages here
    (BENCHMARKS.md, "CSV datasets")."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        return np.empty(shape)
    before = _set_madvise_hugepage(False)
    try:
        return np.empty(shape)
    finally:
        _set_madvise_hugepage(before)


def _close(data):
    try:
        data.close()
    except BufferError:  # a pyarrow buffer still points into it: the collector closes it
        pass


def _options(pa, pa_csv, numeric, text, delimiter):
    """The parse and convert options of both calls: the exact path's rules (see ``parse_block``)."""
    types = {name: pa.float64() for name in numeric}
    types.update({name: pa.string() for name in text})
    return {"parse_options": pa_csv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False,
                                                 ignore_empty_lines=False),
            "convert_options": pa_csv.ConvertOptions(column_types=types, include_columns=list(numeric) + list(text),
                                                     null_values=[], strings_can_be_null=False,
                                                     quoted_strings_can_be_null=False)}


#: rows copied at a time from pyarrow's columns into the row-major array (a block stays in cache)
COPY_ROWS = 4096


def _arrays(table, numeric, text):
    """(numbers, cells) of a parsed table, or None when a number is not finite."""
    numbers = np.empty((table.num_rows, len(numeric)))
    if not _fill(table, numeric, numbers, 0):
        return None  # the exact path names the cell
    cells = None
    if text:
        cells = np.array([table.column(name).to_pylist() for name in text], dtype=str).T.reshape(-1, len(text))
    return numbers, cells


def _fill(table, numeric, numbers, start):
    """Copy the ``numeric`` columns of ``table`` into ``numbers`` from row ``start``; False when
    a number is not finite.  A block of rows at a time: column by column over the whole
    array would pass over all of it once per column."""
    for pieces in zip(*[table.column(name).chunks for name in numeric]):
        length = len(pieces[0])
        views = [_float_values(piece) for piece in pieces]
        for row in range(0, length, COPY_ROWS):
            block = numbers[start + row:start + min(row + COPY_ROWS, length)]
            np.stack([view[row:row + COPY_ROWS] for view in views], axis=1, out=block)
            if not np.isfinite(block).all():
                return False
        start += length
    return True
