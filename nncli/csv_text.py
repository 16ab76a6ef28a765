"""The one CSV writer: text with ``\\n`` line ends, quoting cells as the csv module does.

Callers turn their values into cells first (``repr`` for floats that must read
back exactly, ``""`` for a missing value); this module only lays them out.
"""

import csv
import io


def csv_text(header, rows=()):
    """CSV text: the ``header`` line (a sequence of cells), then one line per row of ``rows``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
