"""``.npz`` run files (weights, checkpoint, preprocess) read member by member, each
member's header checked before a byte of its data is read.

An ``.npz`` is a zip of ``.npy`` members, each starting with a small header that
declares its dtype and shape.  A 2 MB compressed member can declare a 2 GB
array, so ``numpy.load`` would decompress all of it before a wrong shape could
be refused.  Here every header is read first (``numpy.lib.format.read_magic`` and
``read_array_header_*``) and checked against what the caller expects: a
``Member`` per name (dtype kinds, exact shape or number of dimensions), with
anything not expected refused, or bounded by ``MEMBER_LIMIT`` bytes.  Object and
structured dtypes are always refused (reading them would need pickle).  Only
then are the arrays read, with ``allow_pickle=False``.
"""

import math
from dataclasses import dataclass

from ..errors import RunError, echo
from .reading import open_regular

#: bytes a member may declare when the caller gives no exact shape for it
MEMBER_LIMIT = 64 << 20
#: members an archive may have (nncli writes one per parameter, times four at most)
MEMBERS_LIMIT = 100_000
#: bytes of a member's .npy header (numpy's own default limit)
HEADER_LIMIT = 10_000

KIND_NAMES = {"f": "floating-point numbers", "i": "integers", "u": "integers", "U": "text", "S": "bytes",
              "b": "booleans", "c": "complex numbers", "O": "Python objects", "V": "raw records",
              "M": "dates", "m": "time spans"}
FLOATS = "f"
INTEGERS = "iu"
TEXT = "U"


@dataclass(frozen=True)
class Member:
    """What one member may be.

    ``kinds``: the allowed ``dtype.kind`` letters (``"f"``, ``"iu"``, ``"U"``...);
    ``shape``: its exact shape, or None; ``ndim``: its number of dimensions, or None;
    ``limit``: the bytes it may declare (None: no limit, for a shape the run itself gives).
    """

    kinds: str
    shape: tuple = None
    ndim: int = None
    limit: int = MEMBER_LIMIT

    def problem(self, shape, dtype):
        """Why a member declaring ``shape`` and ``dtype`` is refused, or None."""
        if dtype.kind not in self.kinds:
            wanted = " or ".join(dict.fromkeys(KIND_NAMES.get(kind, kind) for kind in self.kinds))
            return f"holds {KIND_NAMES.get(dtype.kind, dtype.str)} ({dtype.str}); it must hold {wanted}"
        if self.shape is not None and tuple(shape) != tuple(self.shape):
            return f"has shape {tuple(shape)}, this run needs {tuple(self.shape)}"
        if self.ndim is not None and len(shape) != self.ndim:
            return f"has {len(shape)} dimensions, this run needs {self.ndim}"
        if self.limit is not None and math.prod(shape) * dtype.itemsize > self.limit:
            return f"declares {math.prod(shape) * dtype.itemsize} bytes, over its {self.limit}-byte limit"
        return None


#: any plain array within MEMBER_LIMIT (numbers, booleans, text)
PLAIN = Member("biufUS")


def read_npz(path, members=None, others=PLAIN):
    """The arrays of an ``.npz`` file, ``{name: ndarray}``, every header checked first.

    Parameters
    ----------
    path : str or Path
    members : dict of str -> Member, optional
        What each expected name may be (a name missing from the file is the caller's business).
    others : Member or None
        What any other member may be (by default a plain array within ``MEMBER_LIMIT``);
        None refuses unexpected members.

    Raises RunError naming the file and member when the file is not a regular
    file, not an .npz archive, or a member is not what was expected.
    """
    import zipfile  # (here, not above: `nncli runs` imports this package and must start fast)

    import numpy as np

    members = members or {}
    with open_regular(path) as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise RunError(f"{path} is not an .npz archive") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MEMBERS_LIMIT:
                raise RunError(f"{path} has {len(infos)} members, over the limit of {MEMBERS_LIMIT}")
            names = [_name(path, info) for info in infos]
            for info, name in zip(infos, names):
                expected = members.get(name, others)
                if expected is None:
                    raise RunError(f"{path}: member {echo(name)} is not part of this run")
                problem = expected.problem(*_header(archive, info, path, name))
                if problem:
                    raise RunError(f"{path}: member {echo(name)} {problem}")
            arrays = {}
            for info, name in zip(infos, names):
                try:
                    with archive.open(info) as member:
                        arrays[name] = np.lib.format.read_array(member, allow_pickle=False,
                                                                max_header_size=HEADER_LIMIT)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                    raise RunError(f"{path}: member {echo(name)} cannot be read ({echo(str(exc))})") from None
    return arrays


def _name(path, info):
    if not info.filename.endswith(".npy"):
        raise RunError(f"{path}: member {echo(info.filename)} is not a .npy array")
    return info.filename[: -len(".npy")]


def _header(archive, info, path, name):
    """(shape, dtype) a member declares, read from its header alone."""
    import zipfile

    from numpy.lib import format as npy

    try:
        with archive.open(info) as member:
            version = npy.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = npy.read_array_header_1_0(member, max_header_size=HEADER_LIMIT)
            elif version == (2, 0):
                shape, _, dtype = npy.read_array_header_2_0(member, max_header_size=HEADER_LIMIT)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, SyntaxError, TypeError) as exc:
        raise RunError(f"{path}: member {echo(name)} has no readable .npy header ({echo(str(exc))})") from None
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise RunError(f"{path}: member {echo(name)} holds Python objects or records, which are never read")
    return shape, dtype
