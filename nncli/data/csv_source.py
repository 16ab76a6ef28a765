"""The bytes of a CSV source, as blocks of whole lines of text, within documented limits.

A CSV input may be anything a user can name: a regular file, stdin, a FIFO, a
device, a single line of 300 MB or binary garbage.  This module reads it a
block at a time (so memory is bounded by the block and the line limits,
whatever the source), and refuses in well under a second what is not CSV text:

- a character or block device (``/dev/zero``, ``/dev/urandom``) given as a path;
  stdin (``-``), pipes and FIFOs are streamed under the same limits as files;
- a line longer than ``MAX_LINE_BYTES`` (1 MB), found before it is read whole;
- a NUL byte (binary data), or bytes that are not UTF-8.

Line numbers count ``\\n`` (``\\r\\n`` and a lone ``\\r`` end a line too); the
first line of the file is line 1.
"""

import os
import stat
import sys
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import DataError, echo

#: the longest line accepted, in bytes: a longer line is refused before it is read whole
MAX_LINE_BYTES = 1 << 20
#: bytes read at a time; bounds the memory a streamed table takes
READ_BYTES = 4 << 20
STDIN = "-"
#: characters of a path repeated in a message
PATH_ECHO_LIMIT = 300


def source_name(source):
    """How messages name ``source``: ``<stdin>`` or the path, control characters escaped
    (and cut only when absurdly long: a path is what the user needs to see)."""
    return "<stdin>" if str(source) == STDIN else echo(str(source), PATH_ECHO_LIMIT)


def open_binary(source):
    """(binary handle, whether we must close it) for a path or ``"-"``; DataError when it
    cannot be read or is a device rather than a file or a stream."""
    if str(source) == STDIN:
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise DataError("cannot read <stdin>: it is closed")
        return getattr(sys.stdin, "buffer", sys.stdin), False
    name = source_name(source)
    try:
        handle = open(source, "rb")  # a FIFO blocks here until a writer opens it, as `cat` does
    except FileNotFoundError:
        raise DataError(f"file not found: {name}") from None
    except IsADirectoryError:
        raise DataError(f"{name} is a directory, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}") from None
    mode = os.fstat(handle.fileno()).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        handle.close()
        raise DataError(f"{name} is a device, not a CSV file (to stream data, pipe it into '-')")
    return handle, True


@dataclass
class Block:
    """Whole lines of a source: ``data`` (bytes, every line ending in ``\n``) and ``text``
    (the same, decoded), the first being file line ``first``.  ``count``, the number of
    lines, is set by a reader that learns it anyway, else counted when asked."""

    first: int
    data: bytes
    text: str
    count: Optional[int] = None

    def line_count(self):
        if self.count is None:
            self.count = int(np.count_nonzero(np.frombuffer(self.data, np.uint8) == ord("\n")))
        return self.count


class TextBlocks:
    """Blocks of whole lines of text from a binary handle.

    Iterating yields ``(first_line, text)``: ``text`` holds whole lines, each ending in
    ``\\n`` (``\\r\\n`` and lone ``\\r`` turned into ``\\n``), the first being file line
    ``first_line``.  A UTF-8 byte order mark at the start is dropped.
    """

    def __init__(self, handle, name):
        self.handle, self.name = handle, name
        self.lines_read = 0  # lines in the blocks handed out before the last one
        self._last = None
        self._carry = b""  # the start of a line whose end has not been read yet
        self._started = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._last is not None:
            self.lines_read += self._last.line_count()
            self._last = None
        while True:
            data = self._read()
            if not data:
                if not self._carry:
                    raise StopIteration
                data, self._carry = self._carry + b"\n", b""  # a last line without its line break
            else:
                data, self._carry = self._carry + data, b""
            if not self._started:
                self._started = True
                data = data.removeprefix(b"\xef\xbb\xbf")
            self._refuse_nul(data)
            cut = data.rfind(b"\n") + 1
            if cut < len(data):
                self._carry = data[cut:]
                if len(self._carry) > MAX_LINE_BYTES:
                    self._too_long(self.lines_read + _count_lines(data[:cut]) + 1)
                data = data[:cut]
            if data:
                self._last = self._block(data)
                return self._last

    def _read(self):
        try:
            return self.handle.read(READ_BYTES)
        except OSError as exc:
            raise DataError(f"cannot read {self.name}: {exc.strerror}") from None

    def _block(self, data):
        """Whole lines of bytes -> a Block (line ends made ``\\n``, the text checked)."""
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._refuse_long_lines(data)
        first = self.lines_read + 1
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first + data.count(b"\n", 0, exc.start)
            column = exc.start - data.rfind(b"\n", 0, exc.start)
            raise DataError(f"{self.name} line {line}: not UTF-8 text (byte {column} of the line); "
                            "save the file as UTF-8") from None
        return Block(first, data, text)

    def _refuse_nul(self, data):
        at = data.find(b"\0")
        if at >= 0:
            line = self.lines_read + _count_lines(data[:at]) + 1
            raise DataError(f"{self.name} line {line}: a NUL byte: this is binary data, not CSV text")

    def _refuse_long_lines(self, data):
        if not has_line_longer(data, MAX_LINE_BYTES):
            return
        window = MAX_LINE_BYTES // 2
        for start in range(0, len(data), window):
            if data.find(b"\n", start, start + window) >= 0:
                continue
            line_start = data.rfind(b"\n", 0, start) + 1
            line_end = data.find(b"\n", start)
            if line_end - line_start > MAX_LINE_BYTES:
                self._too_long(self.lines_read + data.count(b"\n", 0, line_start) + 1)

    def _too_long(self, line):
        raise DataError(f"{self.name} line {line}: longer than {MAX_LINE_BYTES >> 20} MB, the limit for a CSV "
                        "line (is it a CSV file?)")


def has_line_longer(data, limit):
    """Whether ``data`` (whole lines) may hold a line longer than ``limit`` bytes: any such
    line holds a whole half-limit window without a line break, so a few ``find`` calls per
    block answer without splitting the lines (True may also mean a line just over half)."""
    if len(data) <= limit:
        return False
    window = max(limit // 2, 1)
    return any(data.find(b"\n", start, start + window) < 0 for start in range(0, len(data), window))


def _count_lines(data):
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
