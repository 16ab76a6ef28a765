"""``Int`` and ``Float``: the number types of every config schema.

YAML reads ``yes``, ``no``, ``on`` and ``off`` as booleans, and pydantic would
take one as the number 1 or 0 (``epochs: yes`` would train one epoch); these
types refuse them.  Used by ``nncli.config.schema`` and ``nncli.data.params``,
so it imports neither.
"""

from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

#: pydantic error types whose message continues the key's name ("training.epochs cannot be true")
KEY_MESSAGE_ERRORS = ("yaml_bool", "not_applicable")


def refuse_bool(value):
    """``value`` unchanged, unless it is a boolean: then a ``yaml_bool`` error."""
    if isinstance(value, bool):
        raise PydanticCustomError("yaml_bool", "cannot be {value} (YAML reads yes/no/on/off as true/false)",
                                  {"value": str(value).lower()})
    return value


Int = Annotated[int, BeforeValidator(refuse_bool)]
Float = Annotated[float, BeforeValidator(refuse_bool)]
