#!/usr/bin/env python3
"""Reference attributions and attacks computed with Captum, for `tests/explain_reference.rs`.

Builds three small models with FIXED weights (written below, exact in f32: multiples of
1/1024), runs Captum's attribution methods and attacks on fixed inputs (multiples of 1/256)
in float64, and writes everything, weights and inputs included, to
`tests/data/captum_reference.json`. The Rust test rebuilds the same models in trustnn from
that file and compares.

    python3 -m venv /work/venvs/captum
    /work/venvs/captum/bin/pip install -r tests/reference/requirements-captum.txt
    /work/venvs/captum/bin/python tests/reference/captum_reference.py

What is computed (Captum 0.9.0 definitions):
- Saliency (abs=True and abs=False) and InputXGradient, of the target logit and of the
  target's softmax probability;
- IntegratedGradients with every `method` (gausslegendre, riemann_left, riemann_right,
  riemann_middle, riemann_trapezoid) at n_steps 50 (Captum's default) and 10, zero and
  non-zero baselines, with `return_convergence_delta=True`; also f(x) - f(baseline) so the
  trapezoid rule's scaling can be checked;
- FeatureAblation (default baseline 0, a constant, a per-feature baseline, a feature_mask);
- ShapleyValues (exact: enumerates all 4! permutations) for single baselines, and the mean
  over the rows of a background set (Shapley values are linear in the value function, so
  this is the exact Shapley value of the interventional v(S) = mean_b f(x_S, b_rest));
- captum.robust.FGSM and PGD (L-inf, random_start=False) with CrossEntropyLoss, inputs
  bounded to [0, 1]; and a manual torch PGD-L2 in torchattacks' PGDL2 convention (step
  along grad / ||grad||_2), because Captum's PGD takes *sign* steps even under norm="L2".

Everything runs in float64, so the reference is the exact value up to ~1e-15 except where
Captum itself rounds to float32: its Riemann alphas (`torch.linspace` in the default dtype)
and its step sizes (`torch.tensor(step_sizes).float()`), relative 6e-8.
"""

import itertools
import json
import math
import os
import platform
import sys
import warnings

import numpy as np
import torch
import captum
from captum.attr import (
    FeatureAblation,
    InputXGradient,
    IntegratedGradients,
    Saliency,
    ShapleyValues,
)
from captum.robust import FGSM, PGD

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "captum_reference.json")

torch.manual_seed(0)  # nothing below is random; set anyway
# Captum warns that it switches on requires_grad for the inputs; that is intended.
warnings.filterwarnings("ignore", message="Input Tensor .* did not already require gradients")


def q(v, step=1024):
    """Rounds to a multiple of 1/step (exact in f32)."""
    return round(v * step) / step


def fixed_weight(rows, cols, a, b, c, scale):
    """A deterministic [out, in] matrix (torch Linear layout) from a sine formula."""
    return [[q(scale * math.sin(a * i + b * j + c)) for j in range(cols)] for i in range(rows)]


def fixed_bias(n, a, c, scale):
    return [q(scale * math.cos(a * i + c)) for i in range(n)]


# Models: torch layout, weight [out, in], bias [out].
MODELS = {
    "mlp_tanh": {
        "activation": "tanh",
        "layers": [
            {"weight": fixed_weight(8, 4, 1.3, 0.7, 0.1, 0.9), "bias": fixed_bias(8, 0.9, 0.3, 0.2)},
            {"weight": fixed_weight(3, 8, 2.1, 0.5, 0.4, 0.8), "bias": fixed_bias(3, 1.7, 0.2, 0.1)},
        ],
    },
    "mlp_relu": {
        "activation": "relu",
        "layers": [
            {"weight": fixed_weight(8, 4, 0.8, 1.9, 0.6, 0.9), "bias": fixed_bias(8, 1.1, 0.5, 0.2)},
            {"weight": fixed_weight(3, 8, 1.4, 0.9, 0.2, 0.8), "bias": fixed_bias(3, 0.6, 0.9, 0.1)},
        ],
    },
    "linear": {
        "activation": None,
        "layers": [
            {"weight": fixed_weight(3, 4, 1.1, 0.6, 0.3, 1.0), "bias": fixed_bias(3, 0.7, 0.1, 0.3)},
        ],
    },
}

INPUTS = [
    [q(0.8, 256), q(-1.2, 256), q(0.5, 256), q(1.5, 256)],
    [q(-0.6, 256), q(0.9, 256), q(-1.4, 256), q(0.3, 256)],
    [q(1.1, 256), q(0.4, 256), q(0.7, 256), q(-0.9, 256)],
]
TARGETS = [0, 2, 1]
# Inputs for the attacks, inside the valid range [0, 1], and their labels.
ATTACK_INPUTS = [
    [q(0.2, 256), q(0.7, 256), q(0.5, 256), q(0.9, 256)],
    [q(0.6, 256), q(0.1, 256), q(0.35, 256), q(0.4, 256)],
    [q(0.95, 256), q(0.5, 256), q(0.05, 256), q(0.3, 256)],
]
ATTACK_LABELS = [1, 0, 2]
BASELINE = [q(0.25, 256), q(-0.5, 256), q(0.125, 256), 0.0]
BACKGROUND = [
    [q(0.1, 256), q(-0.3, 256), q(0.2, 256), q(0.4, 256)],
    [q(-0.5, 256), q(0.6, 256), q(0.0, 256), q(-0.2, 256)],
    [q(0.3, 256), q(0.1, 256), q(-0.7, 256), q(0.9, 256)],
]
DTYPE = torch.float64


def build(name):
    spec = MODELS[name]
    mods = []
    for k, layer in enumerate(spec["layers"]):
        w = torch.tensor(layer["weight"], dtype=DTYPE)
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).to(DTYPE)
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(torch.tensor(layer["bias"], dtype=DTYPE))
        mods.append(lin)
        if k + 1 < len(spec["layers"]):
            mods.append(torch.nn.Tanh() if spec["activation"] == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*mods).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def forward_for(model, output):
    if output == "logit":
        return model
    return lambda x: torch.softmax(model(x), dim=1)


def t(rows):
    return torch.tensor(rows, dtype=DTYPE)


def lst(x):
    return x.detach().cpu().numpy().astype(np.float64).tolist()


cases = []
x = t(INPUTS)
target = torch.tensor(TARGETS)

for model_name in ["mlp_tanh", "mlp_relu", "linear"]:
    model = build(model_name)
    for output in ["logit", "probability"]:
        f = forward_for(model, output)
        common = {"model": model_name, "output": output}
        for abs_ in [True, False]:
            a = Saliency(f).attribute(x.clone(), target=target, abs=abs_)
            cases.append({"method": "saliency", **common, "abs": abs_, "attributions": lst(a)})
        a = InputXGradient(f).attribute(x.clone(), target=target)
        cases.append({"method": "input_x_gradient", **common, "attributions": lst(a)})

        ig_methods = ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]
        for method in ig_methods:
            for n_steps in [50, 10]:
                for baseline in [None, BASELINE]:
                    if output == "probability" and (n_steps != 50 or baseline is not None):
                        continue
                    b = torch.zeros_like(x) if baseline is None else t([baseline] * len(INPUTS))
                    ig = IntegratedGradients(f)
                    a, delta = ig.attribute(
                        x.clone(),
                        baselines=b,
                        target=target,
                        n_steps=n_steps,
                        method=method,
                        return_convergence_delta=True,
                    )
                    with torch.no_grad():
                        fx = f(x).gather(1, target.view(-1, 1)).view(-1)
                        fb = f(b).gather(1, target.view(-1, 1)).view(-1)
                    cases.append(
                        {
                            "method": "integrated_gradients",
                            **common,
                            "rule": method,
                            "n_steps": n_steps,
                            "baseline": baseline,
                            "attributions": lst(a),
                            "delta": lst(delta),
                            "output_diff": lst(fx - fb),
                        }
                    )

        if output == "logit" or model_name == "mlp_tanh":
            for baseline, mask in [
                (None, None),
                (0.5, None),
                (BASELINE, None),
                (None, [0, 0, 1, 2]),
                (BASELINE, [1, 0, 1, 0]),
            ]:
                kw = {}
                if baseline is not None:
                    kw["baselines"] = baseline if isinstance(baseline, float) else t([baseline])
                if mask is not None:
                    kw["feature_mask"] = torch.tensor([mask])
                a = FeatureAblation(f).attribute(x.clone(), target=target, **kw)
                cases.append(
                    {
                        "method": "feature_ablation",
                        **common,
                        "baseline": baseline,
                        "feature_mask": mask,
                        "attributions": lst(a),
                    }
                )

            # Exact Shapley values: ShapleyValues enumerates all permutations of 4 features.
            per_row = []
            for b in BACKGROUND:
                a = ShapleyValues(f).attribute(x.clone(), baselines=t([b]), target=target)
                per_row.append(a)
                cases.append(
                    {
                        "method": "shapley_values",
                        **common,
                        "background": [b],
                        "attributions": lst(a),
                    }
                )
            cases.append(
                {
                    "method": "shapley_values",
                    **common,
                    "background": BACKGROUND,
                    "attributions": lst(sum(per_row) / len(per_row)),
                }
            )

# Attacks on the tanh MLP, inputs in [0, 1].
model = build("mlp_tanh")
xa = t(ATTACK_INPUTS)
ya = torch.tensor(ATTACK_LABELS)
ce = torch.nn.CrossEntropyLoss(reduction="none")


def min_abs_input_grad(inp):
    inp = inp.clone().requires_grad_(True)
    loss = ce(model(inp), ya).sum()
    (g,) = torch.autograd.grad(loss, inp)
    return g.abs().min().item()


for eps in [0.05, 0.1, 0.3]:
    adv = FGSM(model, loss_func=ce, lower_bound=0.0, upper_bound=1.0).perturb(xa.clone(), eps, ya)
    # FGSM treats |grad| <= 1e-6 as zero (zero_thresh); make sure no gradient is near that.
    assert min_abs_input_grad(xa) > 1e-4
    cases.append({"method": "fgsm", "model": "mlp_tanh", "eps": eps, "adversarial": lst(adv)})

for eps, step_size, steps in [(0.1, 0.025, 10), (0.2, 0.03, 20)]:
    pgd = PGD(model, loss_func=ce, lower_bound=0.0, upper_bound=1.0)
    # Replay PGD's iterates (an FGSM step, projection, clipping) to check that no gradient
    # is near the sign's zero boundary, where f32 and f64 could disagree.
    step = FGSM(model, loss_func=ce, lower_bound=0.0, upper_bound=1.0)
    cur = xa.clone()
    for _ in range(steps):
        assert min_abs_input_grad(cur) > 1e-5, "a PGD gradient is near zero: change the inputs"
        cur = step.perturb(cur, step_size, ya)
        cur = torch.clamp(torch.max(torch.min(cur, xa + eps), xa - eps), 0.0, 1.0)
    adv = pgd.perturb(
        xa.clone(),
        radius=eps,
        step_size=step_size,
        step_num=steps,
        target=ya,
        random_start=False,
        norm="Linf",
    )
    cases.append(
        {
            "method": "pgd",
            "model": "mlp_tanh",
            "norm": "Linf",
            "eps": eps,
            "step_size": step_size,
            "steps": steps,
            "implementation": "captum.robust.PGD(norm='Linf', random_start=False)",
            "adversarial": lst(adv),
        }
    )


def pgd_l2_torchattacks(inp, labels, eps, alpha, steps):
    """torchattacks.PGDL2's update without random start: grad / (||grad||_2 + 1e-10)."""
    ce_mean = torch.nn.CrossEntropyLoss()
    adv = inp.clone()
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = ce_mean(model(adv), labels)
        (g,) = torch.autograd.grad(loss, adv)
        gn = g.view(g.shape[0], -1).norm(p=2, dim=1).view(-1, 1) + 1e-10
        adv = adv.detach() + alpha * g / gn
        delta = adv - inp
        dn = delta.view(delta.shape[0], -1).norm(p=2, dim=1).view(-1, 1)
        factor = torch.clamp(eps / dn, max=1.0)
        adv = torch.clamp(inp + delta * factor, 0.0, 1.0).detach()
    return adv


for eps, alpha, steps in [(0.3, 0.075, 10), (0.5, 0.1, 15)]:
    adv = pgd_l2_torchattacks(xa, ya, eps, alpha, steps)
    cases.append(
        {
            "method": "pgd",
            "model": "mlp_tanh",
            "norm": "L2",
            "eps": eps,
            "step_size": alpha,
            "steps": steps,
            "implementation": "manual torch, torchattacks.PGDL2 update, random_start=False",
            "adversarial": lst(adv),
        }
    )

doc = {
    "generator": "tests/reference/captum_reference.py",
    "versions": {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "captum": captum.__version__,
        "numpy": np.__version__,
    },
    "dtype": "float64",
    "note": "torch layout: weight [out, in]; trustnn Dense weight is [in, out] (transpose).",
    "models": MODELS,
    "inputs": INPUTS,
    "targets": TARGETS,
    "attack_inputs": ATTACK_INPUTS,
    "attack_labels": ATTACK_LABELS,
    "input_range": [0.0, 1.0],
    "cases": cases,
}
with open(OUT, "w") as fh:
    json.dump(doc, fh, indent=1)
    fh.write("\n")
print(f"wrote {os.path.normpath(OUT)}: {len(cases)} cases", file=sys.stderr)
