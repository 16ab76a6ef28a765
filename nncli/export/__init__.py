"""``nncli export``: a finished run as a file other tools read (ONNX, safetensors).

The formats need packages nncli does not otherwise depend on (the ``export``
extra); each format's module imports them, so this module does not.
"""

import importlib
from dataclasses import dataclass
from pathlib import Path

from .. import runs
from ..errors import DataError, RunError, UsageError, echo, echo_path
from ..runs.directory import check_run_dir
from ..runs.load import load_model


@dataclass(frozen=True)
class Format:
    """An export format: the packages it needs, its default file name in the run
    directory, and the module of ``nncli.export`` whose ``to_bytes(run)`` makes the file."""

    packages: tuple
    filename: str
    module: str


FORMATS = {
    "onnx": Format(("onnx",), "model.onnx", "onnx_file"),
    "safetensors": Format(("safetensors",), "model.safetensors", "safetensors_file"),
}

FINISHED = ("completed", "stopped_early")


def export_run(run_dir, fmt, output=None):
    """Write a finished run in format ``fmt`` to ``output`` (default: in the run directory),
    atomically; return the path written.

    Raises UsageError for an unknown format or a missing package, RunError for a run
    that is missing, unfinished or unreadable.
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)} (got '{echo(fmt)}')")
    for package in spec.packages:
        _require(package, fmt)
    path = Path(run_dir)
    _check_finished(path)
    data = importlib.import_module(f"{__name__}.{spec.module}").to_bytes(load_model(path))
    target = path / spec.filename if output is None else Path(output)
    write = runs.atomic_write if output is None else runs.write_output  # -o /dev/stdout is written, not replaced
    try:
        write(target, lambda handle: handle.write(data))
    except OSError as exc:
        raise DataError(f"cannot write {echo_path(target)}: {exc.strerror or exc}") from None
    return target


def _require(package, fmt):
    try:
        importlib.import_module(package)
    except ImportError:
        raise UsageError(f"--format {fmt} needs the {package} package: pip install 'nncli[export]'") from None


def _check_finished(path):
    check_run_dir(path)
    meta = runs.read_json_object(path / runs.META)
    status = meta.get("status")
    if status not in FINISHED:
        raise RunError(f"{path} has status {status}; only a completed or early-stopped run can be exported")
