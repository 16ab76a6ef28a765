"""nncli: train small NumPy neural networks from YAML config files."""

__version__ = "0.1.0"
