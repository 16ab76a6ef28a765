"""Reading CSV tables: a header naming the columns, then rows of cells, in chunks.

The one place for the rules that ``predict``, ``evaluate --data`` and the
``csv`` dataset share: columns are matched by header name (order free), a
numeric cell must hold a finite number, blank lines are skipped, and every
problem is one ``DataError`` naming the file, line and column.  The source is
read in blocks of a few MB (``csv_source``: limits on lines, devices, binary
data) and each block is parsed with NumPy's C parser, so memory stays bounded
whatever the size of the file and numbers are read exactly as ``float()`` reads them.

A quoted cell may contain the delimiter but not a line break: line numbers in
messages are the file's physical lines (the header is line 1).  A cell holds at
most ``MAX_CELL_CHARS`` characters.
"""

import csv
import os
import stat
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Optional

import numpy as np

from ..errors import DataError, UsageError, echo
from . import csv_arrow
from .cells import cell_problem, finite_numbers, is_number
from .csv_arrow import parse_block
from .csv_source import STDIN, Block, TextBlocks, has_line_longer, open_binary, source_name

__all__ = ["Chunk", "Table", "finite_numbers", "is_number", "names", "STDIN", "MAX_CELL_CHARS", "delimiter_option"]

#: the longest cell accepted, in characters (a line holds at most 1 MB: ``csv_source``)
MAX_CELL_CHARS = 1 << 16
#: delimiters recognised when a file read as comma-separated has a one-column header
LIKELY_DELIMITERS = {";": "';'", "\t": "tab", "|": "'|'"}
#: blocks parsed by pyarrow at once, each on its own thread, ahead of the one being used
PARSE_THREADS = 2
#: at most this many column names are listed in a message
NAMES_SHOWN = 5


def delimiter_option(value):
    """The one character a ``--delimiter`` value names (``tab`` or ``\\t`` for a tab)."""
    if value in ("tab", "\\t"):
        return "\t"
    if len(value) != 1 or value in '"\r\n\0' or value.isalnum() or value in ".+-_ ":
        raise UsageError(f"--delimiter '{echo(value)}': give one character such as ',' ';' '|' or tab")
    return value


@dataclass
class Chunk:
    """Consecutive data rows of a table.

    Attributes
    ----------
    lines : ndarray (N,) of int
        The file line of each row (1 is the header).
    numbers : ndarray (N, len(numeric)) float64
        The numeric columns asked for, in the order asked for.
    text : ndarray (N, len(text)) of str, or None
        The text columns asked for, cells as written (quotes removed).
    """

    lines: np.ndarray
    numbers: np.ndarray
    text: Optional[np.ndarray] = None

    def __len__(self):
        return len(self.lines)


class Table:
    """An open CSV file (or stdin for ``"-"``): its header, then its rows in chunks.

    Use as a context manager.  ``header`` is read on opening; an empty file or
    a malformed header is a DataError.  ``delimiter``: one character (``","``).
    """

    def __init__(self, source, delimiter=","):
        self.name = source_name(source)
        self.delimiter = delimiter
        self._handle, self._owned = open_binary(source)
        self._path = source if self._owned and stat.S_ISREG(os.fstat(self._handle.fileno()).st_mode) else None
        self._blocks = TextBlocks(self._handle, self.name)
        self._pending = None  # the Block of lines read with the header but not yet parsed
        self._all_numeric = True  # until a block shows a column that is not a number
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self._owned:
            self._handle.close()

    def _read_header(self):
        for block in self._blocks:
            first, data, text = block.first, block.data, block.text
            lines = text.split("\n")[:-1]
            for offset, line in enumerate(lines):
                if line.strip():
                    self.header_line_text = line
                    self.line = first + offset
                    consumed = sum(len(part) + 1 for part in lines[:offset + 1])
                    if consumed < len(text):
                        self._pending = Block(self.line + 1, data[len(text[:consumed].encode()):], text[consumed:])
                    return self._header_cells(line)
        raise DataError(f"{self.name} is empty: a header line naming the columns is needed")

    def _header_cells(self, line):
        header = [cell.strip() for cell in self._cells(line, self.line)]
        seen = set()
        for position, column in enumerate(header, 1):
            if not column:
                raise DataError(f"{self.name} line {self.line}: header cell {position} is empty; "
                                "every column needs a name")
            if column in seen:
                raise DataError(f"{self.name} line {self.line}: column '{echo(column)}' appears twice in the header")
            seen.add(column)
        return header

    def match(self, required, optional=(), unknown_hint=None):
        """Check that the header has every ``required`` column and nothing else
        but ``optional`` ones; raise one DataError naming all that is wrong
        (``unknown_hint(columns)``: a text to add about the unknown columns)."""
        known = set(required) | set(optional)
        missing = [c for c in required if c not in self.header]
        unknown = [c for c in self.header if c not in known]
        if not (missing or unknown):
            return
        self.refuse_other_delimiter()
        expected = f"expected {names(required)}"
        if optional:
            expected += f" (and optionally {names(optional)})"
        if all(cell_problem(c) is None for c in self.header):
            raise DataError(f"{self.name}: the first line looks like data, not a header; the file needs a "
                            f"header line naming the columns ({expected})")
        problems = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {names(missing)}")
        if unknown:
            problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {names(unknown)}")
        # only when the columns are otherwise right: beside missing ones, the file is another file
        hint = f"; {unknown_hint(unknown)}" if unknown and not missing and unknown_hint else ""
        raise DataError(f"{self.name}: {'; '.join(problems)}; {expected}{hint}")

    def refuse_other_delimiter(self):
        """A one-column header that another usual delimiter would split: say so, rather
        than list missing columns."""
        if len(self.header) != 1:
            return
        for delimiter, shown in LIKELY_DELIMITERS.items():
            if delimiter != self.delimiter and delimiter in self.header_line_text:
                looks = "tab" if delimiter == "\t" else delimiter
                raise DataError(f"{self.name}: the file is not {_delimiter_name(self.delimiter)}-separated "
                                f"(it looks {looks}-separated): use --delimiter {shown}")

    def chunks(self, numeric, text=()):
        """Yield ``Chunk`` s of the data rows until the end of the file.

        Parameters
        ----------
        numeric : sequence of str
            Columns to parse as finite float64 numbers.
        text : sequence of str
            Columns to return as text.
        """
        positions = {column: i for i, column in enumerate(self.header)}
        number_columns = [positions[c] for c in numeric]
        text_columns = [positions[c] for c in text]
        blocks = self._blocks if self._pending is None else chain([self._pending], self._blocks)
        self._pending = None
        if not number_columns:  # nothing for NumPy to parse: check the widths line by line
            self._all_numeric = False
        fast = not set(numeric) & set(text)  # a column wanted both ways: the exact path
        # pyarrow parses the next blocks in worker threads (it releases the GIL) while this
        # one is used: two cores read at once; results are taken in file order
        with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
            ahead = deque()
            for block in blocks:
                parsing = None
                if fast and len(block.data) >= csv_arrow.ARROW_MIN_BYTES and self._clean(block.data):
                    parsing = pool.submit(parse_block, block.data, self.header, list(numeric), list(text),
                                          self.delimiter)
                ahead.append((block, parsing))
                if len(ahead) > PARSE_THREADS:
                    yield from self._rows(*ahead.popleft(), number_columns, text_columns)
            while ahead:
                yield from self._rows(*ahead.popleft(), number_columns, text_columns)

    def _rows(self, block, parsing, number_columns, text_columns):
        """The Chunk of a block: pyarrow's result, or the exact path's when it refused (or
        was not asked); nothing for a block of blank lines."""
        parsed = None if parsing is None else parsing.result()
        if parsed is not None:  # pyarrow refuses blank lines: a row for every line
            block.count = len(parsed[0])
            yield Chunk(np.arange(block.first, block.first + block.count), *parsed)
            return
        block.count = block.text.count("\n")
        chunk = self._exact_chunk(block.first, block.text, number_columns, text_columns)
        if chunk is not None:
            yield chunk

    def _clean(self, data):
        """Whether the fast parser may read this block: its lines need no checks it does
        not make (quotes closed on their line, the cell size limit)."""
        return b'"' not in data and not has_line_longer(data, MAX_CELL_CHARS)

    def _exact_chunk(self, first, block, number_columns, text_columns):
        """The rows of ``block`` (text of whole lines, from file line ``first``), checked line
        by line and parsed by NumPy; None when it holds only blank lines."""
        lines = block.split("\n")[:-1]
        numbers = np.arange(first, first + len(lines))
        if not all(lines) or any(map(str.isspace, lines)):
            kept = [i for i, line in enumerate(lines) if line and not line.isspace()]
            lines = [lines[i] for i in kept]
            numbers = numbers[kept]
            if not lines:
                return None
        self._check_lines(lines, numbers)
        values = self._parse_numbers(lines, numbers, number_columns)
        cells = self._text_cells(lines, numbers, text_columns) if text_columns else None
        return Chunk(numbers, values, cells)

    def read(self, numeric, text=(), budget=None):
        """All data rows as one ``Chunk``; DataError if there are none, or if the rows
        need more than ``budget`` bytes (default: what this machine has available)."""
        budget = memory_budget() if budget is None else budget
        whole = self.read_whole(numeric, text, budget)
        if whole is not None:
            return whole
        parts, held = [], 0
        for part in self.chunks(numeric, text):
            parts.append(part)
            held += part.numbers.nbytes + (0 if part.text is None else part.text.nbytes)
            if held > budget:
                raise DataError(f"{self.name}: too large to hold in memory (more than {budget >> 20} MB by line "
                                f"{part.lines[-1]}); use a smaller file")
        if not parts:
            raise DataError(f"{self.name} has a header but no data rows")
        if len(parts) == 1:
            return parts[0]
        return Chunk(np.concatenate([p.lines for p in parts]), np.concatenate([p.numbers for p in parts]),
                     None if parts[0].text is None else np.concatenate([p.text for p in parts]))

    def read_whole(self, numeric, text=(), budget=None):
        """All data rows as one ``Chunk`` read by one multi-threaded pyarrow call, or None when
        the file does not qualify (``csv_arrow.read_file``) or has a problem: ``read`` then
        reads it block by block, which names the line and column.  Before any ``chunks``."""
        if self._path is None or self.line != 1:
            return None
        budget = memory_budget() if budget is None else budget
        parsed = csv_arrow.read_file(self._path, self.header, list(numeric), list(text), self.delimiter, budget,
                                     MAX_CELL_CHARS)
        return None if parsed is None else Chunk(np.arange(2, 2 + len(parsed[0])), *parsed)

    def _cells(self, line, number):
        """The cells of one line, by the csv module's quoting rules."""
        if line.count('"') % 2:
            raise DataError(f"{self.name} line {number}: a quoted cell is not closed on its line "
                            "(cells cannot hold line breaks)")
        try:
            cells = next(csv.reader([line], delimiter=self.delimiter))
        except csv.Error:  # the csv module's own field size limit (131072) is above ours: find the cell
            cells = line.split(self.delimiter)
        for position, cell in enumerate(cells, 1):
            if len(cell) > MAX_CELL_CHARS:
                raise DataError(f"{self.name} line {number}: cell {position} holds {len(cell)} characters, "
                                f"more than the limit of {MAX_CELL_CHARS}")
        return cells

    def _check_lines(self, lines, numbers):
        """Quotes closed on their line, cells within the size limit; when not every
        column is parsed as numbers (NumPy then checks the widths), the widths."""
        quoted = any('"' in line for line in lines)
        if quoted or max(map(len, lines)) > MAX_CELL_CHARS:
            for i, line in enumerate(lines):
                if '"' in line or len(line) > MAX_CELL_CHARS:
                    self._cells(line, numbers[i])
        if self._all_numeric and not quoted:
            return
        width = len(self.header)
        if quoted:
            counts = [len(row) for row in csv.reader(lines, delimiter=self.delimiter)]
        else:  # no quoting: counting delimiters is exact and much faster than splitting
            counts = [line.count(self.delimiter) + 1 for line in lines]
        for i, count in enumerate(counts):
            if count != width:
                self._wrong_width(numbers[i], count)

    def _wrong_width(self, line, count):
        width = len(self.header)
        raise DataError(f"{self.name} line {line}: {count} cell{'s' if count != 1 else ''}, "
                        f"but the header has {width} column{'s' if width != 1 else ''}")

    def _parse_numbers(self, lines, numbers, columns):
        """(N, len(columns)) float64; on a bad cell, find and name it."""
        if not columns:
            return np.empty((len(lines), 0))
        values = None
        if self._all_numeric:
            try:  # every column: NumPy then also checks that each row has the same width
                values = self._loadtxt(lines, None)
            except ValueError:
                self._all_numeric = False
                self._check_lines(lines, numbers)
            else:
                if values.shape[1] != len(self.header):
                    self._wrong_width(numbers[0], values.shape[1])
                values = values[:, columns]
        if values is None:
            try:
                values = self._loadtxt(lines, columns)
            except ValueError as exc:
                # NumPy's message counts rows from 0 within the chunk; re-read the
                # chunk cell by cell to name the file line and the column.
                self._raise_first_bad_cell(lines, numbers, columns, exc)
        bad = ~np.isfinite(values)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            cell = self._cells(lines[row], numbers[row])[columns[col]]
            self._raise(numbers[row], self.header[columns[col]], cell_problem(cell) or f"'{echo(cell)}' is not finite")
        return values

    def _loadtxt(self, lines, columns, dtype=np.float64):
        return np.loadtxt(lines, delimiter=self.delimiter, quotechar='"', comments=None, dtype=dtype,
                          usecols=columns, ndmin=2)

    def _text_cells(self, lines, numbers, columns):
        """(N, len(columns)) str: the cells as written (quotes removed)."""
        if any('"' in line for line in lines):
            rows = [[cells[c] for c in columns] for cells in csv.reader(lines, delimiter=self.delimiter)]
            return np.array(rows, dtype=str).reshape(len(lines), len(columns))
        last = len(self.header) - 1
        if columns == [last]:  # the usual target column: cheaper than splitting every cell
            return np.array([line.rpartition(self.delimiter)[2] for line in lines], dtype=str)[:, None]
        split = [line.split(self.delimiter) for line in lines]
        return np.array([[cells[c] for c in columns] for cells in split], dtype=str).reshape(len(lines), len(columns))

    def _raise_first_bad_cell(self, lines, numbers, columns, error):
        for row, line in enumerate(lines):
            cells = self._cells(line, numbers[row])
            if len(cells) != len(self.header):
                self._wrong_width(numbers[row], len(cells))
            for col in columns:
                problem = cell_problem(cells[col])
                if problem:
                    self._raise(numbers[row], self.header[col], problem)
        raise DataError(f"{self.name}: cannot read the numbers near lines {numbers[0]}-{numbers[-1]}: "
                        f"{echo(str(error))}")

    def _raise(self, line, column, problem):
        raise DataError(f"{self.name} line {line}, column '{echo(column)}': {problem}")

    def to_numbers(self, cells, lines, column):
        """Text cells (N,) of ``column`` -> float64 (N,), with the same rules and
        messages as numeric columns (``lines``: their file lines)."""
        values = finite_numbers(cells)
        if values is not None:
            return values
        values = np.empty(len(cells))
        for i, cell in enumerate(cells):
            problem = cell_problem(cell)
            if problem:
                self._raise(lines[i], column, problem)
            values[i] = float(cell)
        return values


def memory_budget():
    """Bytes a table read whole may take: a quarter of the memory available now (training
    makes a few copies of it), or 4 GB when that is unknown."""
    from ..limits import DATA_COPIES, available_memory

    available = available_memory()
    return (4 << 30) if available is None else available // DATA_COPIES


def _delimiter_name(delimiter):
    return {",": "comma", "\t": "tab", ";": "semicolon"}.get(delimiter, f"'{delimiter}'")


def names(columns):
    """Column names quoted for a message: at most ``NAMES_SHOWN`` of them, each cut short."""
    shown = ", ".join(f"'{echo(c, 40)}'" for c in list(columns)[:NAMES_SHOWN])
    return shown + (f" and {len(columns) - NAMES_SHOWN} more" if len(columns) > NAMES_SHOWN else "")
