"""The config schema: every key, its default and its allowed values.

Allowed names come from the registries (datasets, activations, losses,
optimizers, schedules, initialisers), so the schema and the engine never
disagree.  Importing this module imports pydantic but not numpy.
"""

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .data.registry import DATASETS, FILE_KEYS

# Kept here as plain tuples (not imported from nncli.nn) so that validating a
# config does not import numpy; tests check they equal the registries' keys.
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
LOSS_NAMES = ("bce", "cross_entropy", "mse")
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
INIT_NAMES = ("normal", "glorot", "he")
SCHEDULE_NAMES = ("constant", "step", "exponential", "cosine", "plateau")
SCALERS = ("standard", "minmax", "none")


def one_of(names):
    """``Literal`` type admitting exactly ``names``."""
    return Literal.__getitem__(tuple(names))


Activation = one_of(HIDDEN_ACTIVATIONS)
Init = one_of(INIT_NAMES)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(Section):
    dataset: one_of(DATASETS)
    params: dict = Field(default_factory=dict)
    test_size: float = Field(0.25, gt=0, lt=1)
    val_size: float = Field(0.0, ge=0, lt=1)
    scale: one_of(SCALERS) = "standard"
    # drives data generation and the split; None: the config's seed (see data.pipeline.data_seed)
    seed: Optional[int] = Field(None, ge=0, le=2**32 - 1)
    # file datasets (csv) only; see DatasetSpec.from_file
    path: Optional[str] = Field(None, min_length=1)
    target: Optional[str] = Field(None, min_length=1)
    task: Optional[Literal["classification", "regression"]] = None

    @model_validator(mode="after")
    def file_keys(self):
        given = [key for key in FILE_KEYS if getattr(self, key) is not None]
        if DATASETS[self.dataset].from_file:
            missing = [key for key in ("path", "target") if getattr(self, key) is None]
            if missing:
                raise ValueError(f"dataset {self.dataset} needs {' and '.join('data.' + k for k in missing)} "
                                 "(path: the CSV file, relative to the config; target: the label column)")
        elif given:
            verb = "applies" if len(given) == 1 else "apply"
            raise ValueError(f"{', '.join('data.' + k for k in given)} {verb} only to dataset csv "
                             f"(this config uses {self.dataset})")
        return self


class DenseSpec(Section):
    type: Literal["dense"]
    units: int = Field(ge=1, le=100_000)
    activation: Optional[Activation] = None
    init: Optional[Init] = None


Size = Annotated[int, Field(ge=1, le=1024)]
Pair = Union[Size, Annotated[list[Size], Field(min_length=2, max_length=2)]]


class Conv2DSpec(Section):
    type: Literal["conv2d"]
    filters: int = Field(ge=1, le=4096)
    kernel: Pair = 3
    stride: Pair = 1
    padding: Literal["same", "valid"] = "same"
    activation: Optional[Activation] = None
    init: Optional[Init] = None


class MaxPool2DSpec(Section):
    type: Literal["maxpool2d"]
    size: int = Field(2, ge=1, le=1024)
    stride: Optional[int] = Field(None, ge=1, le=1024)


class AvgPool2DSpec(MaxPool2DSpec):
    type: Literal["avgpool2d"]


class FlattenSpec(Section):
    type: Literal["flatten"]


class ReshapeSpec(Section):
    type: Literal["reshape"]
    shape: list[Annotated[int, Field(ge=-1, le=10_000_000)]] = Field(min_length=1, max_length=4)

    @field_validator("shape")
    @classmethod
    def sizes(cls, value):
        if any(size == 0 for size in value) or value.count(-1) > 1:
            raise ValueError(f"sizes must be positive, with at most one -1 (got {value})")
        return value


class ActivationSpec(Section):
    type: Literal["activation"]
    activation: one_of(HIDDEN_ACTIVATIONS + ("softmax",))


class DropoutSpec(Section):
    type: Literal["dropout"]
    rate: float = Field(0.5, ge=0, lt=1)


class ScaleSpec(Section):
    type: Literal["scale"]


class ShiftSpec(Section):
    type: Literal["shift"]


class RNNSpec(Section):
    type: Literal["rnn"]
    units: int = Field(ge=1, le=100_000)
    activation: Activation = "tanh"
    return_sequences: bool = False


class LSTMSpec(Section):
    type: Literal["lstm"]
    units: int = Field(ge=1, le=100_000)
    return_sequences: bool = False


class ResidualSpec(Section):
    type: Literal["residual"]
    layers: list["LayerSpec"] = Field(min_length=1)


LAYER_SPECS = {spec.model_fields["type"].annotation.__args__[0]: spec for spec in (
    DenseSpec, Conv2DSpec, MaxPool2DSpec, AvgPool2DSpec, FlattenSpec, ReshapeSpec, ActivationSpec,
    DropoutSpec, ScaleSpec, ShiftSpec, ResidualSpec, RNNSpec, LSTMSpec)}
LayerSpec = Annotated[Union[tuple(LAYER_SPECS.values())], Field(discriminator="type")]
ResidualSpec.model_rebuild()


class ModelConfig(Section):
    hidden: Optional[list[Annotated[int, Field(ge=1, le=100_000)]]] = None
    activation: Activation = "relu"
    init: Init = "glorot"
    layers: Optional[list[LayerSpec]] = None
    output: one_of(("auto",) + OUTPUT_ACTIVATIONS) = "auto"

    @model_validator(mode="after")
    def one_form(self):
        if self.hidden is not None and self.layers is not None:
            raise ValueError("give either model.hidden (short form) or model.layers (long form), not both "
                             "(from the command line, drop the other with --set model.hidden=null)")
        if self.hidden is None and self.layers is None:
            self.hidden = [32]
        return self


class ScheduleBase(Section):
    pass


class ConstantSchedule(ScheduleBase):
    type: Literal["constant"] = "constant"


class StepSchedule(ScheduleBase):
    type: Literal["step"] = "step"
    step_size: int = Field(100, ge=1)
    gamma: float = Field(0.5, gt=0, le=1)


class ExponentialSchedule(ScheduleBase):
    type: Literal["exponential"] = "exponential"
    gamma: float = Field(0.99, gt=0, le=1)


class CosineSchedule(ScheduleBase):
    type: Literal["cosine"] = "cosine"
    min_lr: float = Field(0.0, ge=0)


class PlateauSchedule(ScheduleBase):
    type: Literal["plateau"] = "plateau"
    factor: float = Field(0.5, gt=0, lt=1)
    patience: int = Field(10, ge=1)
    min_delta: float = Field(0.0, ge=0)
    min_lr: float = Field(0.0, ge=0)


ScheduleSpec = Annotated[
    Union[ConstantSchedule, StepSchedule, ExponentialSchedule, CosineSchedule, PlateauSchedule],
    Field(discriminator="type"),
]

MONITORS = ("val_loss", "val_auc", "val_accuracy", "val_mse", "val_r2",
            "train_loss", "train_auc", "train_accuracy", "train_mse", "train_r2")
#: metrics where a larger value is better (the others, losses and errors, are better smaller)
HIGHER_IS_BETTER = ("auc", "accuracy", "r2")


class EarlyStopping(Section):
    monitor: Optional[one_of(MONITORS)] = None
    patience: int = Field(20, ge=1)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True


class TrainingConfig(Section):
    epochs: int = Field(200, ge=1, le=10_000_000)
    batch_size: Union[int, str] = 32
    loss: one_of(("auto",) + LOSS_NAMES) = "auto"
    optimizer: one_of(OPTIMIZER_NAMES) = "adam"
    lr: float = Field(0.001, gt=0, le=1e6)
    momentum: float = Field(0.9, ge=0, lt=1)
    rho: float = Field(0.9, gt=0, lt=1)
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    eps: float = Field(1e-8, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    schedule: ScheduleSpec = Field(default_factory=ConstantSchedule)
    target_auc: Optional[float] = Field(None, gt=0, le=1)
    early_stopping: Optional[EarlyStopping] = None
    dtype: Literal["float32", "float64"] = "float32"
    checkpoint_every: int = Field(10, ge=1, le=10_000_000)

    @field_validator("schedule", mode="before")
    @classmethod
    def schedule_by_name(cls, value):
        # `schedule: cosine` is short for `schedule: {type: cosine}`
        return {"type": value} if isinstance(value, str) else value

    @field_validator("batch_size", mode="before")
    @classmethod
    def batch_size_value(cls, value):
        if value == "full" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(f"must be a positive integer or 'full' (got {value!r})")


class OutputConfig(Section):
    plots: bool = True


class Config(Section):
    name: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    data: DataConfig
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @model_validator(mode="after")
    def cross_checks(self):
        stopping = self.training.early_stopping
        has_val = self.data.val_size > 0
        if stopping is not None:
            if stopping.monitor is None:
                stopping.monitor = "val_loss" if has_val else "train_loss"
            elif stopping.monitor.startswith("val_") and not has_val:
                raise ValueError(
                    f"training.early_stopping.monitor is {stopping.monitor} but there is no validation "
                    "split: set data.val_size > 0 or monitor a train_* metric"
                )
        if self.data.test_size + self.data.val_size * (1 - self.data.test_size) >= 1:
            raise ValueError("data.test_size and data.val_size leave no training data")
        return self
