"""Datasets kept in memory by a process that trains many configs (a sweep worker).

Off unless ``keep(size)`` turns it on: then ``load_dataset`` returns the Dataset
it made before for the same data section and data seed instead of generating or
reading it again.  A cached dataset's arrays are made read-only, so one trial
cannot change the data another trial sees.  A file dataset's key includes the
file's size and modification time, so an edited file is read again.
"""

import json
import os
from collections import OrderedDict

_kept = None  # OrderedDict key -> Dataset, most recently used last; None: caching is off
_size = 0


def keep(size):
    """Keep the ``size`` most recently used datasets (0 turns caching off and forgets them)."""
    global _kept, _size
    _size = int(size)
    _kept = OrderedDict() if _size > 0 else None


def _key(data_config, seed):
    section = data_config.model_dump(mode="json", exclude={"seed"})  # the data seed is in the key itself
    stamp = None
    if data_config.path is not None:
        try:
            status = os.stat(data_config.path)
            stamp = (status.st_size, status.st_mtime_ns)
        except OSError:
            return None  # let the loader report the missing file
    return json.dumps([section, seed, stamp], sort_keys=True)


def lookup(data_config, seed):
    """The kept Dataset for this data section and data seed, or None."""
    if _kept is None:
        return None
    key = _key(data_config, seed)
    dataset = _kept.get(key)
    if dataset is not None:
        _kept.move_to_end(key)
    return dataset


def store(data_config, seed, dataset):
    """Keep ``dataset`` (when caching is on); return it."""
    if _kept is None:
        return dataset
    key = _key(data_config, seed)
    if key is None:
        return dataset
    for part in (dataset.train, dataset.val, dataset.test):
        if part is not None:
            for array in (part.X, part.y, part.groups):
                if array is not None:
                    array.flags.writeable = False
    _kept[key] = dataset
    while len(_kept) > _size:
        _kept.popitem(last=False)
    return dataset
