"""Reading CSV tables: a header naming the columns, then rows of cells, in chunks.

The one place for the rules that ``predict``, ``evaluate --data`` and the
``csv`` dataset share: columns are matched by header name (order free), a
numeric cell must hold a finite number, blank lines are skipped, and every
problem is one ``DataError`` naming the file, line and column.  Rows are
parsed chunk by chunk with NumPy, so memory stays bounded whatever the size
of the file.

A quoted cell may contain commas but not line breaks: line numbers in
messages are the file's physical lines (the header is line 1).
"""

import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import DataError

#: bytes of text parsed at a time; bounds the memory a table takes while read
CHUNK_BYTES = 4 << 20
STDIN = "-"


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
    a malformed header is a DataError.
    """

    def __init__(self, source):
        self.name = "<stdin>" if str(source) == STDIN else str(source)
        if str(source) == STDIN:
            self._handle, self._owned = sys.stdin, False
        else:
            try:
                self._handle = open(Path(source), encoding="utf-8-sig")
            except FileNotFoundError:
                raise DataError(f"file not found: {source}") from None
            except IsADirectoryError:
                raise DataError(f"{source} is a directory, not a CSV file") from None
            except OSError as exc:
                raise DataError(f"cannot read {source}: {exc.strerror}") from None
            self._owned = True
        self.line = 0  # lines consumed so far
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

    def _lines(self, size_hint):
        """The next lines of text (about ``size_hint`` bytes); [] at the end."""
        try:
            return self._handle.readlines(size_hint)
        except UnicodeDecodeError:
            raise DataError(f"{self.name}: not UTF-8 text (after line {self.line})") from None
        except OSError as exc:
            raise DataError(f"cannot read {self.name}: {exc.strerror}") from None

    def _read_header(self):
        while True:
            lines = self._lines(1)
            if not lines:
                raise DataError(f"{self.name} is empty: a header line naming the columns is needed")
            self.line += 1
            if lines[0].strip():
                break
        header = [cell.strip() for cell in next(csv.reader(lines))]
        seen = set()
        for position, column in enumerate(header, 1):
            if not column:
                raise DataError(f"{self.name} line {self.line}: header cell {position} is empty; "
                                "every column needs a name")
            if column in seen:
                raise DataError(f"{self.name} line {self.line}: column '{column}' appears twice in the header")
            seen.add(column)
        return header

    def match(self, required, optional=()):
        """Check that the header has every ``required`` column and nothing else
        but ``optional`` ones; raise one DataError naming all that is wrong."""
        known = set(required) | set(optional)
        missing = [c for c in required if c not in self.header]
        unknown = [c for c in self.header if c not in known]
        if not (missing or unknown):
            return
        expected = f"expected {', '.join(required)}"
        if optional:
            expected += f" (and optionally {', '.join(optional)})"
        if all(_problem(c) is None for c in self.header):
            raise DataError(f"{self.name}: the first line looks like data, not a header; the file needs a "
                            f"header line naming the columns ({expected})")
        problems = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {_names(missing)}")
        if unknown:
            problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {_names(unknown)}")
        raise DataError(f"{self.name}: {'; '.join(problems)}; {expected}")

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
        while True:
            lines = self._lines(CHUNK_BYTES)
            if not lines:
                return
            first = self.line + 1
            self.line += len(lines)
            numbers = np.arange(first, first + len(lines))
            if any(line.isspace() for line in lines):
                kept = [i for i, line in enumerate(lines) if not line.isspace()]
                lines = [lines[i] for i in kept]
                numbers = numbers[kept]
                if not lines:
                    continue
            self._check_widths(lines, numbers)
            values = self._parse_numbers(lines, numbers, number_columns)
            cells = None
            if text_columns:
                cells = np.loadtxt(lines, delimiter=",", quotechar='"', comments=None, dtype=str,
                                   usecols=text_columns, ndmin=2)
            yield Chunk(numbers, values, cells)

    def read(self, numeric, text=()):
        """All data rows as one ``Chunk``; DataError if there are none."""
        parts = list(self.chunks(numeric, text))
        if not parts:
            raise DataError(f"{self.name} has a header but no data rows")
        if len(parts) == 1:
            return parts[0]
        return Chunk(np.concatenate([p.lines for p in parts]), np.concatenate([p.numbers for p in parts]),
                     None if parts[0].text is None else np.concatenate([p.text for p in parts]))

    def _check_widths(self, lines, numbers):
        """Every row must have as many cells as the header has columns."""
        width = len(self.header)
        if any('"' in line for line in lines):
            counts = [len(row) for row in csv.reader(lines)]
        else:  # no quoting: counting commas is exact and much faster than splitting
            counts = [line.count(",") + 1 for line in lines]
        for i, count in enumerate(counts):
            if count != width:
                raise DataError(f"{self.name} line {numbers[i]}: {count} cell{'s' if count != 1 else ''}, "
                                f"but the header has {width} column{'s' if width != 1 else ''}")

    def _parse_numbers(self, lines, numbers, columns):
        """(N, len(columns)) float64; on a bad cell, find and name it."""
        if not columns:
            return np.empty((len(lines), 0))
        try:
            values = np.loadtxt(lines, delimiter=",", quotechar='"', comments=None, dtype=np.float64,
                                usecols=columns, ndmin=2)
        except ValueError as exc:
            # NumPy's message counts rows from 0 within the chunk; re-read the
            # chunk cell by cell to name the file line and the column.
            self._raise_first_bad_cell(lines, numbers, columns, exc)
        bad = ~np.isfinite(values)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            cell = next(csv.reader([lines[row]]))[columns[col]]
            self._raise(numbers[row], self.header[columns[col]], _problem(cell) or f"'{cell}' is not finite")
        return values

    def _raise_first_bad_cell(self, lines, numbers, columns, error):
        for row, cells in enumerate(csv.reader(lines)):
            for col in columns:
                problem = _problem(cells[col])
                if problem:
                    self._raise(numbers[row], self.header[col], problem)
        raise DataError(f"{self.name}: cannot read the numbers near lines {numbers[0]}-{numbers[-1]}: {error}")

    def _raise(self, line, column, problem):
        raise DataError(f"{self.name} line {line}, column '{column}': {problem}")

    def to_numbers(self, cells, lines, column):
        """Text cells (N,) of ``column`` -> float64 (N,), with the same rules and
        messages as numeric columns (``lines``: their file lines)."""
        values = np.empty(len(cells))
        for i, cell in enumerate(cells):
            problem = _problem(cell)
            if problem:
                self._raise(lines[i], column, problem)
            values[i] = float(cell)
        return values


def _problem(cell):
    """Why a cell is not a usable number, or None if it is one."""
    text = cell.strip()
    if not text:
        return "empty cell"
    try:
        # NumPy's parser refuses the underscores Python's float() accepts
        value = float(text) if "_" not in text else None
    except ValueError:
        value = None
    if value is None:
        return f"'{_clip(cell)}' is not a number"
    if math.isnan(value):
        return "NaN is not allowed"
    if math.isinf(value):
        return f"'{_clip(cell)}' is infinite"
    return None


def is_number(cell):
    """True if the text cell holds a finite number (the rule numeric columns follow)."""
    return _problem(cell) is None


def _clip(text, width=40):
    return text if len(text) <= width else text[: width - 3] + "..."


def _names(columns):
    return ", ".join(f"'{c}'" for c in columns)
