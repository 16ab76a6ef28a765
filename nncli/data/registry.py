"""``DATASETS``: config name -> how to validate its params and load it."""

from dataclasses import dataclass
from importlib import import_module

from . import params as p


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its ``data.params`` schema and where its loader lives.

    The loader ``module:function`` is imported only when the data is needed.
    """

    params: type
    loader: str
    description: str
    #: True for datasets read from the user's file: they take ``FILE_KEYS`` of the data section
    from_file: bool = False

    def load(self, params, seed, **file_keys):
        """Call the loader: ``RawData`` for validated ``params`` and ``seed``
        (and, for file datasets, the ``FILE_KEYS`` as keyword arguments)."""
        module_name, function = self.loader.split(":")
        module = import_module(f"nncli.data.{module_name}")
        return getattr(module, function)(params, seed, **file_keys)


#: data-section keys of file datasets: ``path`` and ``target`` required, ``task`` optional
FILE_KEYS = ("path", "target", "task")


DATASETS = {
    "blobs": DatasetSpec(p.BlobsParams, "synthetic:blobs", "Gaussian blobs (make_blobs), 2 features"),
    "circles": DatasetSpec(p.CirclesParams, "synthetic:circles", "two concentric rings (make_circles)"),
    "moons": DatasetSpec(p.MoonsParams, "synthetic:moons", "two interleaving half circles (make_moons)"),
    "xor": DatasetSpec(p.XorParams, "synthetic:xor", "2-D XOR quadrants with noise"),
    "random": DatasetSpec(p.RandomParams, "synthetic:random", "random inputs, random real targets (regression)"),
    "digits": DatasetSpec(p.DigitsParams, "digits:digits", "scikit-learn's bundled 8x8 handwritten digits"),
    "ocr": DatasetSpec(p.OcrParams, "ocr:load", "letters A-Z rendered from real fonts, 32x32; test = unseen fonts"),
    "csv": DatasetSpec(p.CsvParams, "csv:load_csv", "your own CSV file: features = all columns but target",
                       from_file=True),
}
