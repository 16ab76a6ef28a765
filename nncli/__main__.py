"""``python -m nncli``."""

from .start import main

main()
