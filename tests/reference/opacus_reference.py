#!/usr/bin/env python3
"""Reference values from Opacus for trustnn's RDP accountant (tests/privacy_reference.rs).

Pinned environment (tests/reference/requirements-opacus.txt), Python 3.11:
    opacus==1.6.0 (installed with --no-deps)  numpy==2.4.6  scipy==1.17.1

Opacus' accounting code (opacus/accountants/analysis/rdp.py, opacus/accountants/rdp.py,
opacus/accountants/utils.py) needs only numpy, scipy and math, but the package's
`opacus/__init__.py` imports torch, and `opacus/accountants/accountant.py` imports
`opacus.optimizers.DPOptimizer` for a type annotation. To run Opacus' own, unmodified
accounting functions without installing torch, this script registers two stand-ins in
`sys.modules` before importing: a bare `opacus` package pointing at the installed package
directory (so its torch-importing `__init__` is not executed) and an `opacus.optimizers`
module holding an empty `DPOptimizer` class. Everything else (`opacus.accountants` and its
`__init__`, registry, RDPAccountant, analysis.rdp, utils.get_noise_multiplier) is Opacus'
installed code.

Regenerate (the venv lives outside the repository):
    python3 -m venv /work/venvs/opacus
    /work/venvs/opacus/bin/pip install --no-deps -r tests/reference/requirements-opacus.txt
    /work/venvs/opacus/bin/python tests/reference/opacus_reference.py > tests/data/opacus_reference.json

Contents of the JSON:
- "orders": RDPAccountant.DEFAULT_ALPHAS.
- "rdp": for each (q, sigma) of the grid, Opacus' compute_rdp(q, sigma, steps=1, orders)
  (RDP composes linearly: Opacus multiplies this vector by steps, in f64).
- "epsilon": for each (q, sigma, steps, delta) of the grid, Opacus' get_privacy_spent on
  compute_rdp(q, sigma, steps, orders) -- the improved conversion of Balle et al. 2020,
  Theorem 21 -- as (epsilon, best order). The same numbers come out of
  RDPAccountant.get_privacy_spent with history [(sigma, q, steps)] (checked here).
  "classic_epsilon" / "classic_order" are NOT an Opacus function: Opacus and current TF
  Privacy expose no classic conversion, so this script computes
  min over orders of RDP(a) + log(1/delta)/(a - 1) (Mironov 2017, Prop. 3) from Opacus'
  RDP vector, with numpy's nanargmin (first minimum) as Opacus picks its order.
- "noise_multiplier": for a few (target epsilon, delta, q, epochs), Opacus'
  get_noise_multiplier(accountant="rdp", epochs=..., epsilon_tolerance=...) and the
  steps = int(epochs / q) it uses, and the epsilon that sigma gives.
"""

import importlib.util
import json
import math
import sys
import types
import warnings
from importlib.metadata import version

import numpy as np


def _import_opacus_accounting():
    spec = importlib.util.find_spec("opacus")
    if spec is None or spec.submodule_search_locations is None:
        raise SystemExit("opacus is not installed (pip install --no-deps opacus==1.6.0)")
    pkg = types.ModuleType("opacus")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["opacus"] = pkg
    optimizers = types.ModuleType("opacus.optimizers")

    class DPOptimizer:  # stand-in: only used in a type annotation of the accountants
        pass

    optimizers.DPOptimizer = DPOptimizer
    sys.modules["opacus.optimizers"] = optimizers
    from opacus.accountants import RDPAccountant
    from opacus.accountants.analysis import rdp
    from opacus.accountants.utils import get_noise_multiplier

    return RDPAccountant, rdp, get_noise_multiplier


RDPAccountant, rdp_analysis, get_noise_multiplier = _import_opacus_accounting()

Q = [0.001, 0.004, 0.01, 0.05, 0.2, 1.0]
SIGMA = [0.5, 0.8, 1.0, 1.3, 2.0, 5.0]
STEPS = [1, 100, 1000, 10000]
DELTA = [1e-5, 1e-7]

# (target epsilon, delta, sample rate, epochs, epsilon tolerance)
NOISE_CASES = [
    (1.0, 1e-5, 256 / 60000, 10, 0.01),
    (2.0, 1e-5, 256 / 60000, 60, 0.01),
    (3.0, 1e-5, 0.004, 30, 0.01),
    (8.0, 1e-5, 0.01, 20, 0.01),
    (0.5, 1e-7, 0.001, 5, 0.01),
    (2.0, 1e-5, 0.05, 30, 0.01),
    (1.0, 1e-5, 0.2, 10, 0.01),
    (10.0, 1e-6, 1.0, 100, 0.01),
    (4.0, 1e-5, 0.02, 15, 0.01),
    (1.5, 1e-6, 0.01, 40, 1e-4),
]


def classic(orders, rdp, delta):
    orders = np.asarray(orders, dtype=float)
    eps = rdp + math.log(1 / delta) / (orders - 1)
    i = int(np.nanargmin(eps))
    return float(eps[i]), float(orders[i])


def main():
    orders = [float(a) for a in RDPAccountant.DEFAULT_ALPHAS]
    warnings.simplefilter("ignore")  # "optimal order is the largest alpha": recorded instead
    rdp_out, eps_out, noise_out = [], [], []
    for q in Q:
        for sigma in SIGMA:
            one = rdp_analysis.compute_rdp(q=q, noise_multiplier=sigma, steps=1, orders=orders)
            rdp_out.append({"q": q, "sigma": sigma, "rdp": [float(x) for x in one]})
            for steps in STEPS:
                rdp = rdp_analysis.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=orders)
                for delta in DELTA:
                    eps, order = rdp_analysis.get_privacy_spent(orders=orders, rdp=rdp, delta=delta)
                    acc = RDPAccountant()
                    acc.history = [(sigma, q, steps)]
                    assert acc.get_privacy_spent(delta=delta) == (float(eps), float(order))
                    c_eps, c_order = classic(orders, rdp, delta)
                    eps_out.append(
                        {
                            "q": q,
                            "sigma": sigma,
                            "steps": steps,
                            "delta": delta,
                            "epsilon": float(eps),
                            "order": float(order),
                            "classic_epsilon": c_eps,
                            "classic_order": c_order,
                        }
                    )
    for target, delta, q, epochs, tol in NOISE_CASES:
        sigma = get_noise_multiplier(
            target_epsilon=target,
            target_delta=delta,
            sample_rate=q,
            epochs=epochs,
            accountant="rdp",
            epsilon_tolerance=tol,
        )
        steps = int(epochs / q)
        acc = RDPAccountant()
        acc.history = [(sigma, q, steps)]
        noise_out.append(
            {
                "target_epsilon": target,
                "delta": delta,
                "q": q,
                "epochs": epochs,
                "steps": steps,
                "epsilon_tolerance": tol,
                "sigma": float(sigma),
                "epsilon": acc.get_epsilon(delta=delta),
            }
        )
    out = {
        "generator": "tests/reference/opacus_reference.py",
        "versions": {
            "python": sys.version.split()[0],
            "opacus": version("opacus"),
            "numpy": np.__version__,
            "scipy": version("scipy"),
        },
        "classic_note": "classic_epsilon/classic_order: computed by this script from Opacus' RDP "
        "vector (Mironov 2017, Prop. 3); Opacus has no classic conversion",
        "orders": orders,
        "rdp": rdp_out,
        "epsilon": eps_out,
        "noise_multiplier": noise_out,
    }
    json.dump(out, sys.stdout, allow_nan=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
