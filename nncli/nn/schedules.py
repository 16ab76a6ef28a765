"""Learning-rate schedules: the learning rate for each epoch.

``SCHEDULES`` maps the config names (``training.schedule.type``) to classes.
``lr(epoch)`` gives the rate for epoch ``epoch`` (counted from 0);
``observe(value)`` tells a schedule the monitored loss after an epoch (only
``plateau`` uses it).  ``state()``/``load_state()`` round-trip what a checkpoint needs.
"""

import math

from ..metrics import improved


class Schedule:
    name = ""

    def __init__(self, base_lr, epochs):
        self.base_lr = float(base_lr)
        self.epochs = int(epochs)

    def lr(self, epoch):
        return self.base_lr

    def observe(self, value):
        """Record the monitored loss at the end of an epoch."""

    def state(self):
        return {}

    def load_state(self, state):
        """Restore what ``state()`` returned."""

    def __repr__(self):
        return f"{type(self).__name__}(base_lr={self.base_lr})"


class Constant(Schedule):
    name = "constant"


class Step(Schedule):
    """``lr * gamma ** (epoch // step_size)``."""

    name = "step"

    def __init__(self, base_lr, epochs, step_size=100, gamma=0.5):
        super().__init__(base_lr, epochs)
        self.step_size = int(step_size)
        self.gamma = float(gamma)

    def lr(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class Exponential(Schedule):
    """``lr * gamma ** epoch``."""

    name = "exponential"

    def __init__(self, base_lr, epochs, gamma=0.99):
        super().__init__(base_lr, epochs)
        self.gamma = float(gamma)

    def lr(self, epoch):
        return self.base_lr * self.gamma**epoch


class Cosine(Schedule):
    """Cosine annealing from ``lr`` to ``min_lr`` over all epochs."""

    name = "cosine"

    def __init__(self, base_lr, epochs, min_lr=0.0):
        super().__init__(base_lr, epochs)
        self.min_lr = float(min_lr)

    def lr(self, epoch):
        progress = epoch / max(self.epochs, 1)
        return self.min_lr + (self.base_lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * progress))


class Plateau(Schedule):
    """Multiply the rate by ``factor`` when the monitored loss has not improved by
    more than ``min_delta`` for ``patience`` epochs; never below ``min_lr``."""

    name = "plateau"

    def __init__(self, base_lr, epochs, factor=0.5, patience=10, min_delta=0.0, min_lr=0.0):
        super().__init__(base_lr, epochs)
        self.factor = float(factor)
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.min_lr = float(min_lr)
        self.current = self.base_lr
        self.best = math.inf
        self.waited = 0

    def lr(self, epoch):
        return self.current

    def observe(self, value):
        if improved(value, self.best, self.min_delta):
            self.best = value
            self.waited = 0
            return
        self.waited += 1
        if self.waited >= self.patience:
            self.current = max(self.current * self.factor, self.min_lr)
            self.waited = 0

    def state(self):
        return {"current": self.current, "best": self.best, "waited": self.waited}

    def load_state(self, state):
        self.current = float(state["current"])
        self.best = float(state["best"])
        self.waited = int(state["waited"])


SCHEDULES = {cls.name: cls for cls in (Constant, Step, Exponential, Cosine, Plateau)}


def make_schedule(config, base_lr, epochs):
    """Build the schedule of a ``training.schedule`` config section."""
    options = config.model_dump(exclude={"type"})
    return SCHEDULES[config.type](base_lr, epochs, **options)
