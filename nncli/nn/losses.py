"""Loss functions, each the mean over samples of a per-sample loss.

``LOSSES`` maps the config names to implementations.  A log-loss is paired with
the output activation whose derivative cancels its own (sigmoid with ``bce``,
softmax with ``cross_entropy``; linear with ``mse``), so that the gradient with
respect to the output layer's pre-activation is simply ``(prediction - target) / N``.
Log-losses are computed from the pre-activations (logits), which is exact where
the probabilities have saturated to 0 or 1.

Class weights (``training.class_weight``) weight each row's loss by its class's
weight and average over the batch, as Keras's ``class_weight``:
``L = sum_i w_i l_i / N``; its gradient is the unweighted one with row ``i``
multiplied by ``w_i`` (``Sequential.backward(target, row_weights)``).
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

    @abstractmethod
    def rows(self, prediction, target, logits):
        """Each row's loss (N,); ``value`` is their mean."""

    def weighted_value(self, prediction, target, logits, row_weights):
        """``sum_i w_i l_i / N``: the loss with row ``i`` weighted by ``row_weights[i]`` (N,)."""
        return float(np.dot(row_weights, self.rows(prediction, target, logits)) / len(logits))

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

    def rows(self, prediction, target, logits):
        softplus = np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))
        return (softplus - target * logits).sum(axis=1)

    def gradient(self, prediction, target, out):
        raise TypeError("bce is only defined on a sigmoid output; use its paired delta")


class CrossEntropy(Loss):
    """``-sum_k y_k log p_k`` with ``p = softmax(z)``."""

    name = "cross_entropy"
    paired_activation = "softmax"

    def value(self, prediction, target, logits):
        return float(self._per_sample(target, logits).sum() / len(logits))

    def rows(self, prediction, target, logits):
        return self._per_sample(target, logits)[:, 0]

    @staticmethod
    def _per_sample(target, logits):
        """Each row's loss as a column (N, 1)."""
        top = reduce_rows(np.maximum, logits)
        log_norm = top + np.log(reduce_rows(np.add, np.exp(logits - top)))
        return log_norm * reduce_rows(np.add, target) - reduce_rows(np.add, target * logits)

    def gradient(self, prediction, target, out):
        raise TypeError("cross_entropy is only defined on a softmax output; use its paired delta")


class MeanSquaredError(Loss):
    """``0.5 * sum_k (p_k - y_k)^2``, so that its gradient is ``p - y``."""

    name = "mse"
    paired_activation = "linear"

    def value(self, prediction, target, logits):
        diff = prediction - target
        return float(0.5 * np.einsum("ij,ij->", diff, diff) / len(diff))

    def rows(self, prediction, target, logits):
        diff = prediction - target
        return 0.5 * np.einsum("ij,ij->i", diff, diff)


def row_weights(class_weights, target):
    """Each row's weight (N,) from its target (N, K) and the weight of each class (C,):
    a one-hot row takes its class's weight; a single 0/1 column (two classes, one
    sigmoid unit) takes class 1's weight where it is 1 and class 0's where it is 0."""
    if target.shape[1] == 1:
        return class_weights[0] + (class_weights[1] - class_weights[0]) * target[:, 0]
    return target @ class_weights


LOSSES = {cls.name: cls() for cls in (BinaryCrossEntropy, CrossEntropy, MeanSquaredError)}

# Which output activations each loss may be used with.
LOSS_OUTPUTS = {
    "bce": ("sigmoid",),
    "cross_entropy": ("softmax",),
    "mse": ("sigmoid", "softmax", "linear"),
}
