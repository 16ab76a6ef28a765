"""``python -m nncli``."""

from .cli import main

main()
