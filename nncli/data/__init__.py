"""Datasets by config name, and the split/scale pipeline that every dataset shares.

Importing this package is cheap: each dataset module imports scikit-learn or
Pillow only inside its loader.
"""

from .registry import DATASETS, DatasetSpec

__all__ = ["DATASETS", "DatasetSpec"]
