"""Shell completion of option values (``nncli evaluate RUN --split <TAB>``): the names an
option takes, offered by the shell script ``nncli --install-completion`` installs."""

SPLITS = ("train", "val", "test")
EXPORT_FORMATS = ("onnx", "safetensors")
EXECUTORS = ("local", "dask")


def choices(values):
    """An ``autocompletion`` callback offering ``values`` (a tuple, or a function giving one,
    called only when the shell asks) that start with what was typed."""

    def complete(incomplete: str):
        names = values() if callable(values) else values
        return [name for name in names if name.startswith(incomplete)]

    return complete


def plot_names():
    """The picture names ``--only`` takes (imported only when completing)."""
    from ..plots import PLOTS

    return tuple(PLOTS)
