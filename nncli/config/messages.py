"""Pydantic validation errors -> one line per problem.

Each line names where the problem is (``file:line`` or the option that gave
the key: ``--set training.lr``, ``--name``), the dotted key, what is wrong and
what is allowed, with a "did you mean" suggestion for misspelt names and for
the names other libraries use (``learning_rate`` is ``lr`` here).  Every value
of the user's is quoted through ``errors.echo`` (cut to 80 characters).
"""

import difflib
import typing

from pydantic import BaseModel

from ..data.registry import DATASETS
from ..errors import echo
from ..number_types import KEY_MESSAGE_ERRORS
from .overrides import get_part
from .schema import Config

MAX_REPORTED = 10
"""At most this many problems are listed; a last line says how many more there are."""

#: names from Keras, PyTorch, scikit-learn and Lightning -> the nncli key (offered when valid there)
WELL_KNOWN_NAMES = {
    "learning_rate": "lr", "learning_rate_init": "lr", "lr_rate": "lr", "epsilon": "eps",
    "beta_1": "beta1", "beta_2": "beta2", "betas": "beta1", "decay": "weight_decay", "l2": "weight_decay",
    "alpha": "weight_decay", "num_epochs": "epochs", "n_epochs": "epochs", "max_epochs": "epochs",
    "max_iter": "epochs", "epoch": "epochs", "batch": "batch_size", "batchsize": "batch_size",
    "hidden_layer_sizes": "hidden", "hidden_sizes": "hidden", "hidden_layers": "hidden",
    "hidden_units": "hidden", "solver": "optimizer", "optim": "optimizer", "criterion": "loss",
    "loss_function": "loss", "objective": "loss", "scheduler": "schedule", "lr_scheduler": "schedule",
    "activation_function": "activation", "kernel_size": "kernel", "strides": "stride",
    "pool_size": "size", "out_channels": "filters", "num_filters": "filters", "hidden_size": "units",
    "num_units": "units", "dropout": "rate", "p": "rate", "validation_split": "val_size",
    "validation_fraction": "val_size", "test_split": "test_size", "random_state": "seed",
    "random_seed": "seed", "early_stop": "early_stopping", "earlystopping": "early_stopping",
    "num_samples": "n_samples", "samples": "n_samples", "precision": "dtype",
    "val_acc": "val_accuracy", "train_acc": "train_accuracy", "acc": "accuracy",
    "val_roc_auc": "val_auc", "train_roc_auc": "train_auc", "sigmoid_output": "sigmoid",
}


def describe(exc, raw, source, lines, set_keys, prefix=(), root=Config):
    """The lines for a pydantic ``ValidationError`` of ``root`` validating ``raw``: one per
    problem, in the order of the file (``report(problems(...))``)."""
    return report(problems(exc, raw, source, lines, set_keys, prefix, root), source)


def problems(exc, raw, source, lines, set_keys, prefix=(), root=Config):
    """``[(sort key, line), ...]``: one line per problem of a pydantic ``ValidationError`` of
    ``root`` validating ``raw``.

    ``lines`` maps key paths to YAML line numbers (or ``"file:line"`` texts, for
    keys a base config gave), ``set_keys`` the key paths given on the command
    line (a dict names each one's option: ``{("name",): "--name"}``), and
    ``prefix`` is where ``raw`` sits in the whole config (``("data", "params")``
    for a dataset's params).
    """
    origins = set_keys if isinstance(set_keys, dict) else {key: f"--set {echo(dotted(key))}" for key in set_keys}
    found, seen = [], set()
    for error in _worth_reporting(exc.errors(), raw, prefix):
        loc = prefix + _clean_loc(error["loc"], get_path(raw, prefix), error["type"])
        if loc in seen:  # a plain union (`kernel: int | [int, int]`) reports each member
            continue
        seen.add(loc)
        found.append((_order(loc, lines), _one(error, loc, raw, source, lines, origins, prefix, root)))
    return found


def report(found, source):
    """The lines of ``problems`` in the order of the files: at most ``MAX_REPORTED``, the last
    counting the rest."""
    messages = [text for _, text in sorted(found, key=lambda item: item[0])]
    if len(messages) > MAX_REPORTED:
        rest = len(messages) - MAX_REPORTED + 1
        messages = messages[: MAX_REPORTED - 1] + [f"{source}: and {rest} more problems"]
    return messages


def _order(loc, lines):
    """Sort key: the problem's file and line (keys given on the command line last)."""
    for end in range(len(loc), -1, -1):
        place = lines.get(tuple(loc[:end]))
        if isinstance(place, int):
            return (0, "", place)
        if isinstance(place, str):
            file, _, line = place.rpartition(":")
            return (0, file, int(line) if line.isdigit() else 0)
    return (1, "", 0)


def _worth_reporting(errors, raw, prefix):
    """The errors minus those another explains: a key reported missing whose misspelling
    is reported unknown beside it (`dataa:` makes `data` missing)."""
    unknown = {}
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _clean_loc(error["loc"], get_path(raw, prefix), "extra_forbidden")
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
    kept = []
    for error in errors:
        if error["type"] == "missing":
            loc = _clean_loc(error["loc"], get_path(raw, prefix), "missing")
            if any(_suggestion(word, [loc[-1]]) for word in unknown.get(loc[:-1], ())):
                continue
        kept.append(error)
    return kept


def _one(error, loc, raw, source, lines, origins, prefix, root):
    """One problem's line."""
    kind = error["type"]
    value = error.get("input")
    if kind == "union_tag_invalid":  # the error is the mapping's; name its type key
        loc = loc + (error["ctx"]["discriminator"].strip("'"),)
        tag = get_path(raw, loc)
        value = tag if isinstance(tag, bool) else error["ctx"]["tag"]
    where, same = _where(loc, source, lines, origins)
    key_text = dotted(loc)
    subject = where if same else f"{where}: {key_text}"  # `--set training.lr` names the key already
    shown = _shown(value)
    if kind == "extra_forbidden":
        parent = loc[:-1]
        options = _fields_at(root, parent[len(prefix):], get_path(raw, prefix))
        key = str(loc[-1])
        place = f" in {dotted(parent)}" if parent else ""
        if parent == ("data", "params"):
            return f"{where}: unknown key '{echo(key)}'{place}{_params_hint(key, raw, options, origins)}"
        if not parent and root is Config:
            options = [*options, "base"]  # read before validation (compose.py), a key all the same
        hint = _home_hint(key, options, root) if not parent else _did_you_mean(key, options)
        valid = f"; valid keys: {', '.join(options)}" if options else ""
        return f"{where}: unknown key '{echo(key)}'{place}{hint}{valid}"
    if kind in KEY_MESSAGE_ERRORS:
        return f"{subject} {error['msg']}"
    if isinstance(value, bool) and kind != "missing":
        # a key that takes no boolean (a number refuses one itself, as yaml_bool)
        return f"{subject} cannot be {str(value).lower()} (YAML reads yes/no/on/off as true/false)"
    if kind == "union_tag_not_found":
        return f"{subject} needs a {error['ctx']['discriminator']} key"
    if kind in ("literal_error", "union_tag_invalid"):
        expected = _expected(error)
        hint = _did_you_mean(value, expected) if isinstance(value, str) else ""
        return f"{subject} must be one of {', '.join(expected)} (got {shown}){hint}"
    if kind == "missing":
        return f"{subject} is required"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{subject} {_bound_text(kind, error['ctx'])} (got {shown})"
    if kind == "finite_number":
        return f"{subject} must be a finite number (got {shown})"
    if kind == "value_error":
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        return f"{subject}: {message}" if key_text else f"{where}: {message}"
    if kind == "string_pattern_mismatch" and loc == ("name",):
        return f"{subject} may hold only letters, digits, '.', '_' and '-' (got {shown})"
    return f"{subject}: {_type_text(error)} (got {shown})"


def _shown(value):
    """A user's value as a message quotes it: repr-like, cut to 80 characters."""
    return f"'{echo(value)}'" if isinstance(value, str) else echo(repr(value))


def _params_hint(key, raw, options, origins):
    """Why ``key`` is not a param here: the datasets that take it, and what this one takes."""
    dataset = get_path(raw, ("data", "dataset"))
    owners = [name for name, spec in DATASETS.items() if key in spec.params.model_fields]
    takes = f"takes {', '.join(options)}" if options else "takes no params"
    if owners and isinstance(dataset, str):
        switched = ("data", "dataset") in origins or ("data",) in origins
        fix = f"; --set data.params={{}} starts from the defaults of {echo(dataset)}" if switched else ""
        return (f": {echo(key)} belongs to dataset {', '.join(owners)}, and this config uses {echo(dataset)}, "
                f"which {takes}{fix}")
    valid = f"; valid keys: {', '.join(options)}" if options else f"; dataset {echo(str(dataset))} {takes}"
    return f"{_did_you_mean(key, options)}{valid}"


def _bound_text(kind, ctx):
    words = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
             "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}
    key, text = words[kind]
    return f"must be {text} {ctx[key]}"


def _type_text(error):
    kind = error["type"]
    if kind.startswith("int"):
        return "must be an integer"
    if kind.startswith("float"):
        return "must be a number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind.startswith("string"):
        return "must be a string"
    if kind.startswith("list"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping of keys"
    return error["msg"]


def _expected(error):
    ctx = error.get("ctx", {})
    text = ctx.get("expected") or ctx.get("expected_tags") or ""
    return [part.strip().strip("'") for part in text.replace(" or ", ", ").split(",") if part.strip()]


def _home_hint(key, sections, root):
    """The hint for an unknown top-level key: a dotted key (`training.lr: 0.1`, --set's
    syntax) to nest, a misspelt section, or a section's key given at the top level
    (`dataset: circles`, `hiden: [8]`) with the section it goes under."""
    section, _, rest = key.partition(".")
    if rest and section in sections and rest in _fields_at(root, (section,), {}):
        return f" (a dotted key is --set's syntax; in a file, nest it: {section}: {{{rest}: ...}})"
    hint = _did_you_mean(key, sections)
    if hint:
        return hint
    keys = {name: _fields_at(root, (name,), {}) for name in sections}
    homes = [name for name in sections if key in keys[name]]
    if not homes:  # misspelt too: `hiden` -> model.hidden
        homes = [f"{name}.{close}" for name in sections if (close := _suggestion(key, keys[name]))]
        return f" (did you mean '{homes[0]}'? it goes under {homes[0].split('.')[0]}:)" if len(homes) == 1 else ""
    return f" (did you mean '{homes[0]}.{key}'? it goes under {homes[0]}:)" if len(homes) == 1 else ""


def _did_you_mean(word, options):
    close = _suggestion(word, options)
    return f" (did you mean '{close}'?)" if close else ""


def _suggestion(word, options):
    """The option ``word`` most likely meant, or None when nothing is close (then the
    message's list of valid names says more than a far guess)."""
    options = [str(option) for option in options]
    known = WELL_KNOWN_NAMES.get(word.lower())
    if known in options:
        return known
    longer = [option for option in options if len(word) >= 3 and option.startswith(word)]
    if len(longer) == 1:  # `val_acc` is short for val_accuracy, not a misspelt val_auc
        return longer[0]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return close[0] if close else None


def dotted(loc):
    """A key path as text: `model.layers[0].units`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _where(loc, source, lines, origins):
    """(Where the key at ``loc`` was given, whether that place names the key itself)."""
    for key, origin in origins.items():
        if tuple(loc[: len(key)]) == key or tuple(key[: len(loc)]) == tuple(loc):
            return origin, tuple(key) == tuple(loc)
    for end in range(len(loc), -1, -1):
        place = lines.get(tuple(loc[:end]))
        if place is not None:
            return (place if isinstance(place, str) else f"{source}:{place}"), False
    return source, False


def get_path(raw, path):
    """The raw value at key path ``path``, or None."""
    for part in path:
        raw = get_part(raw, part) if isinstance(raw, (dict, list)) else None
    return raw


def _clean_loc(loc, raw, kind):
    """Drop the union tags pydantic inserts into an error's location: the ``type`` of
    a tagged-union item (``layers.0.dense.units``) and the member of a plain union
    (``kernel.constrained-int``); the raw config has no key of either name."""
    cleaned = []
    node, tag_seen = raw, None
    for index, part in enumerate(loc):
        if isinstance(node, dict) and node.get("type") == part and tag_seen is not node:
            tag_seen = node  # an item's own key may be named as its type (`{type: activation, activation: ...}`)
            continue
        missing_key = index == len(loc) - 1 and kind == "missing"
        if isinstance(part, str) and not missing_key and not (isinstance(node, dict) and part in node):
            continue
        cleaned.append(part)
        node = get_part(node, part) if isinstance(node, (dict, list)) else None
    return tuple(cleaned)


def _fields_at(root, path, raw):
    """Valid key names of the schema section at ``path`` (for "did you mean").

    A list of tagged-union items (``model.layers``) has a different schema per
    item: each model is looked up with the raw value it describes, so that the
    keys offered are those of that item's ``type``.
    """
    annotation, node = root, raw
    for part in path:
        if isinstance(part, int):
            node = get_part(node, part) if isinstance(node, list) else None
            continue
        model = _model_in(annotation, node)
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        node = get_part(node, part) if isinstance(node, dict) else None
        annotation = field.annotation
    model = _model_in(annotation, node)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation, node):
    """The BaseModel class inside an annotation (Optional, list, tagged union)."""
    candidates = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            candidates.append(item)
        else:
            stack.extend(typing.get_args(item))
    if len(candidates) > 1 and isinstance(node, dict):
        for model in candidates:
            tag = model.model_fields.get("type")
            if tag is not None and node.get("type") in typing.get_args(tag.annotation):
                return model
    return candidates[0] if candidates else None
