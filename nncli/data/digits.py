"""scikit-learn's bundled 8x8 handwritten digits (real data, no download)."""

from .raw import RawData


def digits(params, seed):
    """1797 images of 8x8 pixels with values 0..16; fed to the network as (1, 8, 8)."""
    from sklearn.datasets import load_digits

    bunch = load_digits(n_class=params["n_class"])
    return RawData(bunch.data, bunch.target, list(bunch.feature_names), "classification",
                   input_shape=(1, 8, 8))
