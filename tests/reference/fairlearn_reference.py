#!/usr/bin/env python3
"""Reference values from fairlearn for trustnn's fairness metrics (tests/fairness_reference.rs).

Pinned environment (tests/reference/requirements-fairness.txt), Python 3.11:
    fairlearn==0.15.0  scikit-learn==1.9.1  pandas==3.1.1  numpy==2.4.6  scipy==1.17.1

Regenerate (the venv lives outside the repository):
    python3 -m venv /work/venvs/fair
    /work/venvs/fair/bin/pip install -r tests/reference/requirements-fairness.txt
    /work/venvs/fair/bin/python tests/reference/fairlearn_reference.py > tests/data/fairlearn_reference.json

The inputs are small, fixed and written out below (no randomness). For each case and each
sensitive-feature specification (one column, or the intersection of two), the script records
fairlearn's MetricFrame (by_group, overall, group_min, group_max, difference and ratio
"between_groups", difference and ratio "to_overall") for selection rate, true/false positive
rate, false negative rate, accuracy and precision, and fairlearn's disparity functions
(demographic parity, equalized odds with agg "worst_case" and "mean", equal opportunity).
It also records the reweighing weights of Kamiran & Calders as AIF360's `Reweighing`
computes them (`n_g * n_y / (n * n_gy)`), computed here with pandas group counts.

Intersections: fairlearn's group names are tuples (sex, race); they are written joined with
" & " as trustnn names them. fairlearn lists every combination of the columns' values, with
NaN for a combination that has no sample; such entries are written as null and marked in
"missing_groups". NaN is written as null everywhere (JSON has no NaN).

Sample weights are not exercised: trustnn's group metrics count samples (no weights).
"""

import json
import math
import sys
from importlib.metadata import version

import numpy as np
import pandas as pd
import sklearn.metrics as skm
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

# (sex, race, y_true, y_pred). Race "C" has no positive label (its TPR is undefined; fairlearn,
# through scikit-learn's normalized confusion matrix, reports 0).
MAIN = [
    ("F", "A", 1, 1), ("F", "A", 1, 0), ("F", "A", 0, 1), ("F", "A", 0, 0), ("F", "A", 1, 1),
    ("F", "B", 1, 1), ("F", "B", 0, 0), ("F", "B", 0, 0), ("F", "B", 0, 1),
    ("F", "C", 0, 1), ("F", "C", 0, 0),
    ("M", "A", 1, 1), ("M", "A", 1, 1), ("M", "A", 0, 1), ("M", "A", 0, 0), ("M", "A", 1, 0),
    ("M", "A", 0, 0),
    ("M", "B", 1, 0), ("M", "B", 1, 1), ("M", "B", 0, 0), ("M", "B", 0, 0), ("M", "B", 0, 1),
    ("M", "B", 1, 1),
    ("M", "C", 0, 0), ("M", "C", 0, 0), ("M", "C", 0, 1),
]


def main_case():
    sex, race, y, p = (list(c) for c in zip(*MAIN))
    return {"sex": sex, "race": race}, y, p


def tpr_zero_case():
    # Same people; only negatives are ever selected: every group's TPR is 0, so the TPR
    # ratio is 0/0 = NaN while the FPR ratio is a number.
    cols, y, _ = main_case()
    p = [1 if (t == 0 and i % 2 == 0) else 0 for i, t in enumerate(y)]
    return cols, y, p


def all_zero_case():
    # Nobody selected: every selection rate, TPR and FPR is 0 and every ratio is NaN.
    cols, y, _ = main_case()
    return cols, y, [0] * len(y)


def no_negatives_case():
    # Race "B" has only positive labels (its FPR is undefined, 0 in fairlearn); the
    # intersection has no ("F", "C") sample (fairlearn lists it with NaN).
    rows = [
        ("F", "A", 1, 1), ("F", "A", 0, 1), ("F", "A", 0, 0), ("F", "A", 1, 0),
        ("F", "B", 1, 1), ("F", "B", 1, 0),
        ("M", "A", 0, 0), ("M", "A", 1, 1), ("M", "A", 0, 1),
        ("M", "B", 1, 1), ("M", "B", 1, 1), ("M", "B", 1, 0),
        ("M", "C", 0, 1), ("M", "C", 1, 1), ("M", "C", 0, 0),
    ]
    sex, race, y, p = (list(c) for c in zip(*rows))
    return {"sex": sex, "race": race}, y, p


CASES = {
    "main": main_case,
    "tpr_zero": tpr_zero_case,
    "all_zero_predictions": all_zero_case,
    "no_negatives_and_missing_intersection": no_negatives_case,
}

SPECS = [["sex"], ["race"], ["sex", "race"]]


def precision(y_true, y_pred):
    return skm.precision_score(y_true, y_pred, zero_division=0)


def accuracy(y_true, y_pred):
    return skm.accuracy_score(y_true, y_pred)


METRICS = {
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "accuracy": accuracy,
    "precision": precision,
}


def num(v):
    v = float(v)
    return None if math.isnan(v) else v


def name(key):
    return " & ".join(key) if isinstance(key, tuple) else str(key)


def sensitive(cols, spec):
    if len(spec) == 1:
        return pd.Series(cols[spec[0]], name=spec[0])
    return pd.DataFrame({c: cols[c] for c in spec})


def frame(y, p, sf, metric):
    mf = MetricFrame(metrics=metric, y_true=y, y_pred=p, sensitive_features=sf)
    by_group = {name(k): num(v) for k, v in mf.by_group.items()}
    return {
        "by_group": by_group,
        "overall": num(mf.overall),
        "group_min": num(mf.group_min()),
        "group_max": num(mf.group_max()),
        "difference": num(mf.difference()),
        "ratio": num(mf.ratio()),
        "difference_to_overall": num(mf.difference(method="to_overall")),
        "ratio_to_overall": num(mf.ratio(method="to_overall")),
    }


def reweighing(y, sf):
    # AIF360's Reweighing: w(g, y) = n_g * n_y / (n * n_gy).
    df = pd.DataFrame({"g": [name(k) for k in (sf.itertuples(index=False) if isinstance(sf, pd.DataFrame) else sf)], "y": y})
    n = len(df)
    n_g = df.groupby("g")["y"].transform("size")
    n_y = df.groupby("y")["y"].transform("size")
    n_gy = df.groupby(["g", "y"])["y"].transform("size")
    return [float(w) for w in (n_g * n_y / (n * n_gy))]


def disparities(y, p, sf):
    kw = {"sensitive_features": sf}
    return {
        "demographic_parity_difference": num(demographic_parity_difference(y, p, **kw)),
        "demographic_parity_ratio": num(demographic_parity_ratio(y, p, **kw)),
        "equalized_odds_difference_worst_case": num(equalized_odds_difference(y, p, agg="worst_case", **kw)),
        "equalized_odds_difference_mean": num(equalized_odds_difference(y, p, agg="mean", **kw)),
        "equalized_odds_ratio_worst_case": num(equalized_odds_ratio(y, p, agg="worst_case", **kw)),
        "equalized_odds_ratio_mean": num(equalized_odds_ratio(y, p, agg="mean", **kw)),
        "equal_opportunity_difference": num(equal_opportunity_difference(y, p, **kw)),
        "equal_opportunity_ratio": num(equal_opportunity_ratio(y, p, **kw)),
    }


def main():
    out = {
        "generator": "tests/reference/fairlearn_reference.py",
        "versions": {
            "python": sys.version.split()[0],
            **{pkg: version(pkg) for pkg in ["fairlearn", "scikit-learn", "pandas", "numpy"]},
        },
        "nan_is_null": True,
        "cases": [],
    }
    for case_name, make in CASES.items():
        cols, y, p = make()
        case = {"name": case_name, "columns": cols, "y_true": y, "y_pred": p, "specs": []}
        for spec in SPECS:
            sf = sensitive(cols, spec)
            frames = {m: frame(y, p, sf, f) for m, f in METRICS.items()}
            observed = {name(tuple(r)) for r in zip(*(cols[c] for c in spec))} if len(spec) > 1 else set(cols[spec[0]])
            missing = sorted(g for g in frames["selection_rate"]["by_group"] if g not in observed)
            case["specs"].append(
                {
                    "columns": spec,
                    "missing_groups": missing,
                    "frames": frames,
                    "disparities": disparities(y, p, sf),
                    "reweighing": reweighing(y, sf),
                }
            )
        out["cases"].append(case)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
