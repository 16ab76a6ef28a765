"""``RawData``: what a dataset loader returns, before splitting and scaling."""

from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass
class RawData:
    """All samples of a dataset, unscaled.

    Attributes
    ----------
    X : ndarray (N, F)
        Features as rows (images flattened; ``input_shape`` restores them).
    y : ndarray (N,) or (N, T)
        Class labels (any dtype) or regression targets.
    feature_names : list of str, length F
    task : "classification" or "regression"
    input_shape : tuple
        One sample's shape as the network sees it, e.g. ``(2,)`` or ``(1, 32, 32)``.
    target_names : list of str
        Names of the target columns (``["target"]`` for one).
    test_mask : ndarray of bool (N,) or None
        A fixed test split (e.g. held-out fonts); None to split at random.
    groups : ndarray (N,) or None
        A per-sample group label kept alongside the splits (e.g. the font).
    owned : bool
        True when nothing else holds ``X`` (a loader made it): splitting may then reorder
        its rows in place instead of copying the training rows.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list
    task: str
    input_shape: tuple = ()
    target_names: list = field(default_factory=lambda: ["target"])
    test_mask: Optional[np.ndarray] = None
    groups: Optional[np.ndarray] = None
    owned: bool = False

    def __post_init__(self):
        if not self.input_shape:
            self.input_shape = (self.X.shape[1],)
