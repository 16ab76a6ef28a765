"""Time generation of the OCR letters dataset (test split and full default set).

Run from the repository root:  python benchmarks/ocr_generation.py [variants]
Each timing starts with an empty glyph-master cache, so it includes loading
the fonts and rendering the high-resolution masters.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncli.data import ocr  # noqa: E402


def timed(fonts, variants, seed=0):
    ocr._glyph_masters.cache_clear()
    start = time.perf_counter()
    images = ocr.render_letters(fonts, variants, seed)[0]
    return len(images), time.perf_counter() - start


def main():
    variants = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    n, seconds = timed(ocr.TEST_FONTS, variants)
    print(f"test split   {n:6d} images  {seconds:6.2f} s")
    n, seconds = timed(ocr.TRAIN_FONTS, variants)
    print(f"train split  {n:6d} images  {seconds:6.2f} s")
    n, seconds = timed(ocr.ALL_FONTS, variants)
    print(f"full set     {n:6d} images  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
