"""The ``data.params`` schema of each dataset (generator options, range-checked)."""

from pydantic import BaseModel, ConfigDict, Field

from ..number_types import Float, Int


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # noise: .inf is no noise level

    def table_shape(self):
        """(rows, values per row) the dataset will hold, to size it before making it."""
        return self.n_samples, getattr(self, "n_features", 2)

    def sample_shape(self):
        """The shape of one network input (no batch axis), or None when only the data tells."""
        return (getattr(self, "n_features", 2),)


class BlobsParams(Params):
    n_samples: Int = Field(1000, ge=4, le=10_000_000)
    centers: Int = Field(2, ge=2, le=1000)
    cluster_std: Float = Field(3.0, gt=0)
    n_features: Int = Field(2, ge=1, le=10_000)


class CirclesParams(Params):
    n_samples: Int = Field(1000, ge=4, le=10_000_000)
    noise: Float = Field(0.1, ge=0)
    factor: Float = Field(0.1, gt=0, lt=1)


class MoonsParams(Params):
    n_samples: Int = Field(1000, ge=4, le=10_000_000)
    noise: Float = Field(0.1, ge=0)


class XorParams(Params):
    n_samples: Int = Field(1000, ge=4, le=10_000_000)
    noise: Float = Field(0.1, ge=0)


class RandomParams(Params):
    n_samples: Int = Field(1000, ge=4, le=10_000_000)
    n_features: Int = Field(784, ge=1, le=100_000)
    n_targets: Int = Field(10, ge=1, le=10_000)

    def table_shape(self):
        return self.n_samples, self.n_features + self.n_targets


class OcrParams(Params):
    variants: Int = Field(40, ge=1, le=1000)

    def table_shape(self):
        return 26 * 23 * self.variants, 1024

    def sample_shape(self):
        return (1, 32, 32)


class DigitsParams(Params):
    n_class: Int = Field(10, ge=2, le=10)

    def table_shape(self):
        return 1797, 64

    def sample_shape(self):
        return (1, 8, 8)


class CsvParams(Params):
    """No generator options: a CSV dataset is described by data.path, data.target, data.task."""

    def table_shape(self):
        # the file's size is only known once it is read; the reader streams it
        return 0, 0

    def sample_shape(self):
        return None
