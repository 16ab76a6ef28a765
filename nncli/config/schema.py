"""The config schema: every key, its default and its allowed values.

Allowed names come from the registries (datasets, activations, losses,
optimizers and the settings each takes, initialisers), so the schema and the
engine never disagree; layers and schedules have a spec here per registered name
(their keys and ranges), which the tests check against the registries.  Importing
this module therefore imports NumPy: every command that reads a config needs it
anyway, and only a config error exits sooner without it.  Numbers are ``Int`` /
``Float``, which refuse YAML's yes/no/on/off.  A validated config is frozen:
derive a changed one with ``replace``.
"""

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..data.registry import DATASETS, FILE_KEYS
from ..errors import echo
from ..nn.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ..nn.init import INITIALIZERS
from ..nn.losses import LOSSES
from ..nn.optimizers import OPTIMIZERS
from ..number_types import Float, Int, refuse_bool

SCALERS = ("standard", "minmax", "none")
#: training keys that are optimizer settings, each with the optimizers that take it
OPTIMIZER_SETTINGS = {key: tuple(name for name, optimizer in OPTIMIZERS.items() if key in optimizer.settings)
                      for optimizer in OPTIMIZERS.values() for key in optimizer.settings}


def one_of(names):
    """``Literal`` type admitting exactly ``names``."""
    return Literal.__getitem__(tuple(names))


Activation = one_of(HIDDEN_ACTIVATIONS)
Init = one_of(INITIALIZERS)


class Section(BaseModel):
    """A config section: unknown keys are errors; numbers are finite (YAML's .inf and .nan
    are refused); frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def replace(self, key, value):
        """A copy with the dotted ``key`` (``"training.dtype"``) set to ``value``, unvalidated."""
        head, _, rest = key.partition(".")
        return self.model_copy(update={head: getattr(self, head).replace(rest, value) if rest else value})


class DataConfig(Section):
    dataset: one_of(DATASETS)
    params: dict = Field(default_factory=dict)
    test_size: Float = Field(0.25, gt=0, lt=1)
    val_size: Float = Field(0.0, ge=0, lt=1)
    scale: one_of(SCALERS) = "standard"
    # drives data generation and the split; None: the config's seed (see data.pipeline.data_seed)
    seed: Optional[Int] = Field(None, ge=0, le=2**32 - 1)
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
    units: Int = Field(ge=1, le=100_000)
    activation: Optional[Activation] = None
    init: Optional[Init] = None


Size = Annotated[Int, Field(ge=1, le=1024)]
Pair = Union[Size, Annotated[list[Size], Field(min_length=2, max_length=2)]]


class Conv2DSpec(Section):
    type: Literal["conv2d"]
    filters: Int = Field(ge=1, le=4096)
    kernel: Pair = 3
    stride: Pair = 1
    padding: Literal["same", "valid"] = "same"
    activation: Optional[Activation] = None
    init: Optional[Init] = None


class MaxPool2DSpec(Section):
    type: Literal["maxpool2d"]
    size: Int = Field(2, ge=1, le=1024)
    stride: Optional[Int] = Field(None, ge=1, le=1024)


class AvgPool2DSpec(MaxPool2DSpec):
    type: Literal["avgpool2d"]


class FlattenSpec(Section):
    type: Literal["flatten"]


class ReshapeSpec(Section):
    type: Literal["reshape"]
    shape: list[Annotated[Int, Field(ge=-1, le=10_000_000)]] = Field(min_length=1, max_length=4)

    @field_validator("shape")
    @classmethod
    def sizes(cls, value):
        if any(size == 0 for size in value) or value.count(-1) > 1:
            raise ValueError(f"sizes must be positive, with at most one -1 (got {echo(repr(value))})")
        return value


class ActivationSpec(Section):
    type: Literal["activation"]
    activation: one_of(HIDDEN_ACTIVATIONS + ("softmax",))


class DropoutSpec(Section):
    type: Literal["dropout"]
    rate: Float = Field(0.5, ge=0, lt=1)


class ScaleSpec(Section):
    type: Literal["scale"]


class ShiftSpec(Section):
    type: Literal["shift"]


class RNNSpec(Section):
    type: Literal["rnn"]
    units: Int = Field(ge=1, le=100_000)
    activation: Activation = "tanh"
    return_sequences: bool = False


class LSTMSpec(Section):
    type: Literal["lstm"]
    units: Int = Field(ge=1, le=100_000)
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
    hidden: Optional[list[Annotated[Int, Field(ge=1, le=100_000)]]] = None
    activation: Activation = "relu"
    init: Init = "glorot"
    layers: Optional[list[LayerSpec]] = None
    output: one_of(("auto",) + OUTPUT_ACTIVATIONS) = "auto"
    # a run directory whose weights.npz starts this network (relative to the working directory)
    init_from: Optional[str] = Field(None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def short_form_by_default(cls, data):
        if isinstance(data, dict) and data.get("hidden") is None and data.get("layers") is None:
            return {**data, "hidden": [32]}
        return data

    @model_validator(mode="after")
    def one_form(self):
        if self.hidden is not None and self.layers is not None:
            raise ValueError("give either model.hidden (short form) or model.layers (long form), not both "
                             "(from the command line, drop the other with --set model.hidden=null)")
        return self


class ScheduleBase(Section):
    pass


class ConstantSchedule(ScheduleBase):
    type: Literal["constant"] = "constant"


class StepSchedule(ScheduleBase):
    type: Literal["step"] = "step"
    step_size: Int = Field(100, ge=1)
    gamma: Float = Field(0.5, gt=0, le=1)


class ExponentialSchedule(ScheduleBase):
    type: Literal["exponential"] = "exponential"
    gamma: Float = Field(0.99, gt=0, le=1)


class CosineSchedule(ScheduleBase):
    type: Literal["cosine"] = "cosine"
    min_lr: Float = Field(0.0, ge=0)


class PlateauSchedule(ScheduleBase):
    type: Literal["plateau"] = "plateau"
    factor: Float = Field(0.5, gt=0, lt=1)
    patience: Int = Field(10, ge=1)
    min_delta: Float = Field(0.0, ge=0)
    min_lr: Float = Field(0.0, ge=0)


SCHEDULE_SPECS = {spec.model_fields["type"].default: spec for spec in (
    ConstantSchedule, StepSchedule, ExponentialSchedule, CosineSchedule, PlateauSchedule)}
ScheduleSpec = Annotated[Union[tuple(SCHEDULE_SPECS.values())], Field(discriminator="type")]

MONITORS = ("val_loss", "val_auc", "val_accuracy", "val_mse", "val_r2",
            "train_loss", "train_auc", "train_accuracy", "train_mse", "train_r2")


class EarlyStopping(Section):
    monitor: Optional[one_of(MONITORS)] = None
    patience: Int = Field(20, ge=1)
    min_delta: Float = Field(0.0, ge=0)
    restore_best: bool = True


class TrainingConfig(Section):
    epochs: Int = Field(200, ge=1, le=10_000_000)
    batch_size: Union[int, str] = 32
    loss: one_of(("auto",) + tuple(LOSSES)) = "auto"
    optimizer: one_of(OPTIMIZERS) = "adam"
    lr: Float = Field(0.001, gt=0, le=1e6)
    # optimizer settings (OPTIMIZER_SETTINGS): a config may give only those of its optimizer
    momentum: Float = Field(0.9, ge=0, lt=1)
    rho: Float = Field(0.9, gt=0, lt=1)
    beta1: Float = Field(0.9, ge=0, lt=1)
    beta2: Float = Field(0.999, ge=0, lt=1)
    eps: Float = Field(1e-8, gt=0)
    weight_decay: Float = Field(0.0, ge=0)
    schedule: ScheduleSpec = Field(default_factory=ConstantSchedule)
    target_auc: Optional[Float] = Field(None, gt=0, le=1)
    early_stopping: Optional[EarlyStopping] = None
    dtype: Literal["float32", "float64"] = "float32"
    # checkpoint.npz after an epoch once this many seconds passed since the last (0: every epoch; null: not by time)
    checkpoint_seconds: Optional[Float] = Field(5.0, ge=0, le=1e9)
    checkpoint_every: Optional[Int] = Field(None, ge=1, le=10_000_000)  # also every N epochs (null: by time only)
    # classification: "balanced" or {label: weight}, each row's loss times its class's weight
    class_weight: Optional[Union[dict[Union[Int, str], Annotated[Float, Field(gt=0, le=1e6)]],
                                 Literal["balanced"]]] = None

    @field_validator("schedule", mode="before")
    @classmethod
    def schedule_by_name(cls, value):
        # `schedule: cosine` is short for `schedule: {type: cosine}`
        return {"type": value} if isinstance(value, str) else value

    @field_validator("batch_size", mode="before")
    @classmethod
    def batch_size_value(cls, value):
        refuse_bool(value)
        if value == "full" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(f"must be a positive integer or 'full' (got {echo(repr(value))})")

    @field_validator("class_weight", mode="before")
    @classmethod
    def class_weight_form(cls, value):
        if isinstance(value, str) and value != "balanced":
            raise ValueError(f"must be balanced or a mapping {{label: weight}} (got {echo(repr(value))})")
        return value

    @field_validator(*OPTIMIZER_SETTINGS)
    @classmethod
    def applies_to_optimizer(cls, value, info):
        # validators do not run on defaults: this sees only the keys a config gives
        optimizer, takers = info.data.get("optimizer"), OPTIMIZER_SETTINGS[info.field_name]
        if optimizer is not None and optimizer not in takers:
            raise PydanticCustomError("not_applicable", "applies only to {kind} {takers} (this config uses {used})",
                                      {"kind": "optimizer" if len(takers) == 1 else "optimizers",
                                       "takers": ", ".join(takers), "used": optimizer})
        return value

    def optimizer_settings(self):
        """``{key: value}`` of the settings the chosen optimizer takes."""
        return {key: getattr(self, key) for key in OPTIMIZERS[self.optimizer].settings}


class OutputConfig(Section):
    plots: bool = True


class Config(Section):
    name: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    seed: Int = Field(0, ge=0, le=2**32 - 1)
    data: DataConfig
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @field_validator("training")
    @classmethod
    def monitor_by_split(cls, training, info):
        # early stopping watches the validation loss if there is a validation split (the
        # data section, validated before this one, says), else the training loss
        stopping, data = training.early_stopping, info.data.get("data")
        if stopping is None or stopping.monitor is not None or data is None:
            return training
        return training.replace("early_stopping.monitor", "val_loss" if data.val_size > 0 else "train_loss")

    @model_validator(mode="after")
    def cross_checks(self):
        stopping = self.training.early_stopping
        if stopping is not None and stopping.monitor.startswith("val_") and self.data.val_size == 0:
            raise ValueError(f"training.early_stopping.monitor is {stopping.monitor} but there is no validation "
                             "split: set data.val_size > 0 or monitor a train_* metric")
        if self.data.test_size + self.data.val_size * (1 - self.data.test_size) >= 1:
            raise ValueError("data.test_size and data.val_size leave no training data")
        return self
