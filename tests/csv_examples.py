"""The example CSV files under configs/data/, generated from fixed seeds.

``python tests/csv_examples.py`` rewrites them; tests check that the committed
files are exactly what these functions write, and train on them.
"""

import random
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "configs" / "data"

# per fruit: mean and standard deviation of weight (g), diameter (cm), sugar (Brix), pH
FRUIT = {
    "apple": ((180, 25), (7.5, 0.6), (12.0, 1.5), (3.5, 0.2)),
    "orange": ((200, 30), (8.0, 0.7), (10.0, 1.5), (3.7, 0.2)),
    "lemon": ((110, 20), (5.5, 0.5), (4.0, 1.0), (2.3, 0.2)),
}


def fruit_csv(n_per_class=100, seed=0):
    """Fruit measurements labelled with the fruit's name (three string classes)."""
    rng = random.Random(seed)
    rows = []
    for fruit, stats in FRUIT.items():
        for _ in range(n_per_class):
            weight, diameter, sugar, ph = (rng.gauss(mean, sd) for mean, sd in stats)
            rows.append(f"{weight:.1f},{diameter:.2f},{sugar:.1f},{ph:.2f},{fruit}\n")
    rng.shuffle(rows)
    return "weight_g,diameter_cm,sugar_brix,ph,fruit\n" + "".join(rows)


def houses_csv(n=400, seed=0):
    """House features and a price (in units of 100k) that depends on them, plus noise."""
    rng = random.Random(seed)
    lines = ["area_m2,rooms,age_years,distance_km,price\n"]
    for _ in range(n):
        area = rng.uniform(30, 200)
        rooms = max(1, round(area / 25 + rng.gauss(0, 0.7)))
        age = rng.uniform(0, 80)
        distance = rng.uniform(0.5, 30)
        price = 0.5 + 0.022 * area + 0.08 * rooms - 0.006 * age - 0.03 * distance + rng.gauss(0, 0.25)
        lines.append(f"{area:.1f},{rooms},{age:.0f},{distance:.2f},{price:.3f}\n")
    return "".join(lines)


EXAMPLES = {"fruit.csv": fruit_csv, "houses.csv": houses_csv}

if __name__ == "__main__":
    for name, make in EXAMPLES.items():
        (DATA / name).write_text(make())
