"""Loss functions, each the mean over samples of a per-sample loss.

``LOSSES`` maps the config names to implementations.  A log-loss is paired with
the output activation whose derivative cancels its own (sigmoid with ``bce``,
softmax with ``cross_entropy``; linear with ``mse``), so that the gradient with
respect to the output layer's pre-activation is simply ``(prediction - target) / N``.
Log-losses are computed from the pre-activations (logits), which is exact where
the probabilities have saturated to 0 or 1.
"""

from abc import ABC, abstractmethod

import numpy as np

from .activations import reduce_rows
from .scalars import scalar


class Loss(ABC):
    """A loss ``L(prediction, target)`` averaged over the ``N`` rows of a batch.

    ``paired_activation`` names the output activation for which
    ``dL/dz = (prediction - target) / N``.
    """

    name = ""
    paired_activation = ""

    @abstractmethod
    def value(self, prediction, target, logits):
        """Mean loss of a batch.

        Parameters
        ----------
        prediction : ndarray (N, K)
            The network's output (after the output activation).
        target : ndarray (N, K)
            Targets: 0/1 indicators for classification, values for regression.
        logits : ndarray (N, K)
            The output layer's pre-activation.
        """

    def gradient(self, prediction, target, out):
        """dL/d(prediction) into ``out`` (N, K); only needed when the output is unpaired."""
        np.subtract(prediction, target, out=out)
        return np.divide(out, scalar(len(prediction), out.dtype), out=out)

    def paired_delta(self, prediction, target, out):
        """dL/dz for the paired output activation: ``(prediction - target) / N``."""
        np.subtract(prediction, target, out=out)
        return np.divide(out, scalar(len(prediction), out.dtype), out=out)

    def __repr__(self):
        return self.name


class BinaryCrossEntropy(Loss):
    """``-[y log p + (1-y) log(1-p)]`` summed over outputs, with ``p = sigmoid(z)``."""

    name = "bce"
    paired_activation = "sigmoid"

    def value(self, prediction, target, logits):
        # log(1 + e^z) - y z, with log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
        softplus = np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))
        return float((softplus - target * logits).sum() / len(logits))

    def gradient(self, prediction, target, out):
        raise TypeError("bce is only defined on a sigmoid output; use its paired delta")


class CrossEntropy(Loss):
    """``-sum_k y_k log p_k`` with ``p = softmax(z)``."""

    name = "cross_entropy"
    paired_activation = "softmax"

    def value(self, prediction, target, logits):
        top = reduce_rows(np.maximum, logits)
        log_norm = top + np.log(reduce_rows(np.add, np.exp(logits - top)))
        per_sample = log_norm * reduce_rows(np.add, target) - reduce_rows(np.add, target * logits)
        return float(per_sample.sum() / len(logits))

    def gradient(self, prediction, target, out):
        raise TypeError("cross_entropy is only defined on a softmax output; use its paired delta")


class MeanSquaredError(Loss):
    """``0.5 * sum_k (p_k - y_k)^2``, so that its gradient is ``p - y``."""

    name = "mse"
    paired_activation = "linear"

    def value(self, prediction, target, logits):
        diff = prediction - target
        return float(0.5 * np.einsum("ij,ij->", diff, diff) / len(diff))


LOSSES = {cls.name: cls() for cls in (BinaryCrossEntropy, CrossEntropy, MeanSquaredError)}

# Which output activations each loss may be used with.
LOSS_OUTPUTS = {
    "bce": ("sigmoid",),
    "cross_entropy": ("softmax",),
    "mse": ("sigmoid", "softmax", "linear"),
}
