"""`nncli config`: print a config resolved, or the JSON Schema of config files."""

from pathlib import Path
from typing import List, Optional

import typer

from ..app import app
from ..boundary import boundary


@app.command("config")
@boundary
def config_command(
    config: Optional[Path] = typer.Argument(None, metavar="[CONFIG]", help="YAML config file."),
    set_: List[str] = typer.Option([], "--set", metavar="KEY=VALUE",
                                   help="Override a config key (dotted path; VALUE is YAML). Repeatable."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of config files instead."),
):
    """Print the resolved config (bases merged, --set applied, defaults filled) as YAML, or the JSON Schema."""
    from ...errors import UsageError

    if schema:
        if config is not None or set_:
            raise UsageError("--schema describes every config: give no CONFIG or --set with it")
        from ...config.printing import json_schema_text

        print(json_schema_text(), end="")
        return
    if config is None:
        raise UsageError("give a CONFIG file to resolve, or --schema")
    from ...config.printing import resolved_config_text

    print(resolved_config_text(config, set_), end="")

