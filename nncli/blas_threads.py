"""How many BLAS threads nncli's matrix products use: one for a network whose
products are too small for a second thread to pay, the BLAS library's own
choice for the others.

The rule is per model: its largest single matrix product over one training
batch, in multiply-adds (``largest_product``: ``batch x in x out`` for a dense
layer), against ``MIN_MADDS_FOR_THREADS``.  Below it, everything the process
computes with that model runs on one thread: the training batches, the
per-epoch and final scores, ``nncli evaluate`` and ``nncli predict`` (which
therefore repeat the training's numbers to the bit: a product split over two
threads can round differently in its last bit).

Why one thread, measured (``benchmarks/blas_threads.py``; NumPy's OpenBLAS 0.3.31
on 2 cores): OpenBLAS itself splits a product only from 524,288 multiply-adds on
(64 x 64 x 128 is split, 63 x 64 x 128 is not), and after every split product its
idle worker spins, waiting for more work, for 0.04-0.1 s of CPU, on the core the
training or its neighbour needs: W1 (64-128-10, batch 32), whose batches are never
split, lost its speed to the split products of its per-epoch scores (beside one
CPU-bound process: 368 us a batch with two threads, 122 with one).  On a shared
machine at load 3 to 5, two threads lost to one at every size measured (64x128
to 1024x225, batches 32 to 512: 1.0x to 70x slower).  Where two threads win on a
quiet machine has still to be measured there; the threshold keeps the networks
whose speed was measured quiet with two threads (W2, OCR) on the library's count.
A small network's occasional large product (scoring 4096 rows) is not worth the
spin either, hence one rule per network rather than per call.

An explicit ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` or
``BLIS_NUM_THREADS`` in the environment is the user's choice and is left alone.
Otherwise the ``nncli`` command starts OpenBLAS on one thread
(``start_single_threaded``, before NumPy loads: a worker thread started at load
spins for about 0.05 s of CPU before it first sleeps) and gives a large network
the library's count back, one thread per usable core.
threadpoolctl is imported only when a limit is set (training, predict,
evaluate), never by ``nncli --help``.
"""

import contextlib
import os
import sys

#: environment variables through which a user sets the BLAS thread count
USER_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")

#: networks whose largest product over a training batch is below this many multiply-adds
#: run on one thread.  2**22 = 4,194,304: W1 (64-128-10, batch 32: 262,144), W3 and the
#: circles config are far below it; W2 (784-256-128-10, batch 128: 25.7 million) and OCR
#: (1024-225-225-26, batch 32: 7.4 million) are above it and keep the library's threads,
#: with which their quiet-machine numbers in BENCHMARKS.md were measured.
MIN_MADDS_FOR_THREADS = 1 << 22

#: the rows a full-batch model (``batch_size: full``) is judged at: the chunk scoring works in
#: (``Sequential.predict``, ``.evaluate``), known wherever the model is used, unlike its training rows
FULL_BATCH_ROWS = 4096

#: set to "1" by ``start_single_threaded``: the OPENBLAS_NUM_THREADS=1 beside it is nncli's, not
#: the user's (the processes nncli starts, sweep workers, inherit both and know it)
STARTED_SINGLE = "NNCLI_STARTED_OPENBLAS_SINGLE"

_controller = []  # threadpoolctl's ThreadpoolController, made once: finding the libraries costs milliseconds
_held = []  # the one-thread limit a sweep worker holds for its life (``hold_one_thread``)


def user_setting(environ=None):
    """The first of ``USER_VARIABLES`` the user set (non-empty) in ``environ`` (default: this
    process's), or None; the OPENBLAS_NUM_THREADS=1 of ``start_single_threaded`` is not the user's."""
    environ = os.environ if environ is None else environ
    ours = started_single(environ)
    return next((name for name in USER_VARIABLES
                 if environ.get(name, "").strip() and not (ours and name == "OPENBLAS_NUM_THREADS")), None)


def started_single(environ=None):
    """Whether nncli, not the user, started OpenBLAS on one thread (``start_single_threaded``)."""
    environ = os.environ if environ is None else environ
    return environ.get(STARTED_SINGLE) == "1" and environ.get("OPENBLAS_NUM_THREADS", "").strip() == "1"


def start_single_threaded(environ=None):
    """Have OpenBLAS start with one thread, unless the user chose a count or NumPy is loaded already.

    Called by the ``nncli`` command before anything imports NumPy.  OpenBLAS reads
    OPENBLAS_NUM_THREADS once, when it loads, and otherwise starts a worker per core,
    each spinning for about 0.05 s of CPU before it first sleeps: a cost on a busy
    machine for every nncli process, most of which (small networks, ``nncli runs``)
    never use a second thread.  ``threads_for`` raises the count again for a large network.
    """
    environ = os.environ if environ is None else environ
    if "numpy" in sys.modules or user_setting(environ) is not None:
        return False
    environ["OPENBLAS_NUM_THREADS"] = "1"
    environ[STARTED_SINGLE] = "1"
    return True


def usable_cores():
    """The cores this process may run on (OpenBLAS's own default thread count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def largest_product(model, rows):
    """Multiply-adds of the largest single matrix product that ``rows`` samples cost ``model``.

    Parameters
    ----------
    model : nn.model.Sequential
        Built: each layer knows its ``input_shape`` and ``output_shape`` (one sample's).
    rows : int
        Samples given to the model at once (a batch; a prediction chunk).

    A weight of shape (out, in) is one product of ``rows x in x out`` (times the
    T steps when it applies to each step of a sequence input (T, in), all steps in
    one product, as a recurrent layer's); a convolution's weight
    (filters, channels, kh, kw) is one product per sample, of
    ``filters x channels*kh*kw x H'*W'``.
    """
    largest = 0
    for layer in _all_layers(model.layers):
        for value in layer.params.values():
            if value.ndim == 4:  # convolution: NumPy multiplies sample by sample
                positions = _product(layer.output_shape[1:])
                madds = value.size * positions
            elif value.ndim == 2:
                madds = rows * _steps(layer.input_shape, value) * value.size
            else:
                continue
            largest = max(largest, madds)
    return largest


def chosen_threads(model, rows, environ=None):
    """1 when ``model``'s largest product on ``rows`` samples is too small for threads;
    for a large enough one the library's own count: None (leave it) or, when nncli
    started OpenBLAS on one thread, ``usable_cores()``; None when the user set a variable."""
    if user_setting(environ) is not None or _held:
        return None
    if largest_product(model, rows) < MIN_MADDS_FOR_THREADS:
        return 1
    return usable_cores() if started_single(environ) else None


@contextlib.contextmanager
def threads_for(model, rows):
    """Run the body with the BLAS thread count ``chosen_threads`` picks; yields that count
    (None: untouched).  The previous limits come back afterwards."""
    threads = chosen_threads(model, rows)
    if threads is None:
        yield None
        return
    with _threadpool_controller().limit(limits=threads, user_api="blas"):
        yield threads


def batch_rows(batch_size):
    """The rows a model's thread count is decided at: ``training.batch_size``, or
    FULL_BATCH_ROWS for ``full``."""
    return FULL_BATCH_ROWS if batch_size == "full" else int(batch_size)


def threads_for_config(model, training):
    """``threads_for`` a model trained with the ``training`` config section (``batch_size``)."""
    return threads_for(model, batch_rows(training.batch_size))


def hold_one_thread():
    """One BLAS (and OpenMP) thread for the rest of this process, whatever the networks: for
    a sweep's worker, one of several training side by side, whose threads would fight."""
    if not _held:
        _held.append(_threadpool_controller().limit(limits=1))


def _threadpool_controller():
    if not _controller:
        import numpy  # noqa: F401  (threadpoolctl sees only the BLAS libraries already loaded)
        from threadpoolctl import ThreadpoolController

        _controller.append(ThreadpoolController())
    return _controller[0]


def _steps(input_shape, weight):
    """T when ``weight`` (out, in) applies to each step of a sequence input (T, in) in one
    product (a recurrent layer's projections), else 1 (a dense layer flattens what it gets)."""
    sequence = len(input_shape) == 2 and weight.shape[1] != _product(input_shape)
    return int(input_shape[0]) if sequence else 1


def _product(numbers):
    result = 1
    for number in numbers:
        result *= int(number)
    return result


def _all_layers(layers):
    for layer in layers:
        yield layer
        yield from _all_layers(getattr(layer, "layers", []))
