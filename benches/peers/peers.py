#!/usr/bin/env python3
"""The workloads of trustnn's `examples/bench_mlp.rs`, in PyTorch and scikit-learn.

Each call runs one workload of one peer and prints one JSON object on stdout:

    python peers.py torch-train --threads 1      # MLP 784-256-128-10, Adam, batch 128, 1 epoch
    python peers.py sklearn-train --threads 2    # MLPClassifier((256, 128), adam, batch 128, max_iter=1)
    python peers.py torch-xor                    # one training step of a 2-8-1 tanh net, SGD
    python peers.py torch-infer                  # forward at batch 1024, and batch-1 latency
    python peers.py torch-gemm                   # single-precision GEMM rate on the 128x784x256 shape
    python peers.py summarize RESULTS.jsonl --doc docs/PERFORMANCE.md   # the Markdown table

The data are synthetic and MNIST-shaped as in bench_mlp: 60 000 x 784 features uniform in
[0, 1), labels argmax(x . T) for a random teacher T (same construction, another generator).
Threads are set with torch.set_num_threads and, for scikit-learn (numpy's BLAS), with
threadpoolctl; run.sh also sets OMP/MKL/OPENBLAS_NUM_THREADS before the interpreter starts.
"""

import argparse
import json
import os
import statistics
import sys
import time

FEATURES, CLASSES = 784, 10


def synthetic(samples, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.random((samples, FEATURES), dtype=np.float32)
    teacher = rng.uniform(-1.0, 1.0, (FEATURES, CLASSES)).astype(np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return x, y


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return [
            {k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for d in threadpool_info()
        ]
    except Exception as e:  # threadpoolctl missing: say so in the record
        return [{"error": str(e)}]


def mlp(torch, hidden):
    layers, width = [], FEATURES
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, CLASSES))
    return torch.nn.Sequential(*layers)


def torch_train(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = synthetic(args.samples, args.seed)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = mlp(torch, args.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(bx, by):
        opt.zero_grad(set_to_none=True)
        out = model(bx)
        loss = loss_fn(out, by)
        loss.backward()
        opt.step()
        return out

    # Warm-up (lazy initialisation of kernels and optimizer state), on a copy of the state.
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for _ in range(3):
        step(x[: args.batch_size], y[: args.batch_size])
    model.load_state_dict(state)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    seconds = []
    for _ in range(args.epochs):
        correct = 0
        start = time.perf_counter()
        perm = torch.randperm(args.samples)
        for i in range(0, args.samples, args.batch_size):
            idx = perm[i : i + args.batch_size]
            bx, by = x[idx], y[idx]
            out = step(bx, by)
            correct += (out.argmax(1) == by).sum().item()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    return {
        "peer": "pytorch",
        "version": torch.__version__,
        "workload": "train",
        "threads": args.threads,
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": median,
        "samples_per_second": args.samples / median,
        "final_train_accuracy": correct / args.samples,
    }


def sklearn_train(args):
    import warnings

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    x, y = synthetic(args.samples, args.seed)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(args.hidden),
        activation="relu",
        solver="adam",
        learning_rate_init=args.lr,
        batch_size=args.batch_size,
        max_iter=1,
        shuffle=True,
        random_state=args.seed,
    )
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        info = blas_info()
        start = time.perf_counter()
        clf.fit(x, y)
        seconds = time.perf_counter() - start
        acc = float((clf.predict(x) == y).mean())
    return {
        "peer": "scikit-learn",
        "version": sklearn.__version__,
        "workload": "train",
        "threads": args.threads,
        "seconds_per_epoch": [seconds],
        "median_seconds_per_epoch": seconds,
        "samples_per_second": args.samples / seconds,
        "final_train_accuracy": acc,
        "blas": info,
    }


def torch_xor(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(100):
        step()
    n = args.iterations
    start = time.perf_counter()
    for _ in range(n):
        loss = step()
    us = (time.perf_counter() - start) * 1e6 / n
    return {
        "peer": "pytorch",
        "workload": "xor",
        "threads": args.threads,
        "microseconds_per_step": us,
        "steps": n,
        "final_loss": float(loss),
    }


def torch_infer(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = mlp(torch, args.hidden).eval()
    x, _ = synthetic(1024, args.seed)
    x = torch.from_numpy(x)
    one = x[:1].clone()
    with torch.inference_mode():
        for _ in range(5):
            model(x)
        reps = max(args.iterations // 100, 10)
        start = time.perf_counter()
        for _ in range(reps):
            model(x)
        batch_s = (time.perf_counter() - start) / reps
        for _ in range(100):
            model(one)
        start = time.perf_counter()
        for _ in range(args.iterations):
            model(one)
        one_us = (time.perf_counter() - start) * 1e6 / args.iterations
    return {
        "peer": "pytorch",
        "workload": "infer",
        "threads": args.threads,
        "batch1024_seconds": batch_s,
        "batch1024_samples_per_second": 1024 / batch_s,
        "batch1_microseconds": one_us,
    }


def torch_gemm(args):
    """Single-precision GEMM rate (GFLOP/s) of the first layer's forward product."""
    import torch

    torch.set_num_threads(args.threads)
    m, k, n = 128, 784, 256
    a, b = torch.rand(m, k), torch.rand(k, n)
    c = torch.empty(m, n)
    for _ in range(20):
        torch.mm(a, b, out=c)
    reps = 400
    start = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b, out=c)
    s = (time.perf_counter() - start) / reps
    return {"peer": "pytorch", "workload": "gemm", "threads": args.threads, "shape": [m, k, n], "gflops": 2 * m * k * n / s / 1e9}


# --------------------------------------------------------------------------------------
# The Markdown table


def epoch_gflop(hidden=(256, 128), samples=60000):
    """Matrix-product work of one epoch: forward x.W, dW = x^T.G and dx = G.W^T per layer
    (no dx for the first layer), 2 flops per multiply-add."""
    dims = [FEATURES, *hidden, CLASSES]
    per_sample = 0
    for i, (a, b) in enumerate(zip(dims, dims[1:])):
        products = 2 if i == 0 else 3
        per_sample += products * 2 * a * b
    return per_sample * samples / 1e9


def summarize(args):
    records = [json.loads(line) for line in open(args.results) if line.strip()]
    med = {}
    for r in records:
        key = (r["peer"], r["workload"], r.get("threads", 1))
        med.setdefault(key, []).append(r)

    def median_of(peer, workload, threads, field):
        rs = med.get((peer, workload, threads), [])
        vals = [r[field] for r in rs if r.get(field) is not None]
        return statistics.median(vals) if vals else None

    threads = sorted({r.get("threads", 1) for r in records if r["workload"] == "train"})
    gflop = epoch_gflop()
    gemm_rates = [r["gflops"] for r in records if r["workload"] == "gemm" and r.get("threads", 1) == 1]
    best_gemm = max(gemm_rates) if gemm_rates else None
    lines = []
    lines.append(f"Machine: {args.machine}. Date: {args.date}. Rounds: {args.rounds} (medians; peers alternated within each round).")
    lines.append("")
    lines.append("**MLP 784-256-128-10, Adam lr 1e-3, batch 128, one shuffled epoch of 60 000 samples** "
                 f"({gflop:.1f} GFLOP of matrix products per epoch)")
    lines.append("")
    lines.append("| threads | trustnn s/epoch | PyTorch s/epoch | scikit-learn s/epoch | trustnn / PyTorch throughput | trustnn / scikit-learn throughput | % of GEMM floor |")
    lines.append("|---|---|---|---|---|---|---|")
    for t in threads:
        tn = median_of("trustnn", "train", t, "median_seconds_per_epoch")
        pt = median_of("pytorch", "train", t, "median_seconds_per_epoch")
        sk = median_of("scikit-learn", "train", t, "median_seconds_per_epoch")
        fmt = lambda v: f"{v:.3f}" if v else "—"
        ratio = lambda a, b: f"{b / a:.2f}×" if a and b else "—"
        floor = gflop / (best_gemm * t) if best_gemm else None
        pct = f"{100 * floor / tn:.0f}% (floor {floor:.2f} s)" if floor and tn else "—"
        lines.append(f"| {t} | {fmt(tn)} | {fmt(pt)} | {fmt(sk)} | {ratio(tn, pt)} | {ratio(tn, sk)} | {pct} |")
    t1 = median_of("trustnn", "train", 1, "median_seconds_per_epoch")
    t2 = median_of("trustnn", "train", 2, "median_seconds_per_epoch")
    p1 = median_of("pytorch", "train", 1, "median_seconds_per_epoch")
    p2 = median_of("pytorch", "train", 2, "median_seconds_per_epoch")
    if t1 and t2:
        extra = f"; PyTorch {p1 / p2:.2f}×" if p1 and p2 else ""
        lines.append("")
        lines.append(f"1 → 2 thread speed-up of the epoch: trustnn {t1 / t2:.2f}×{extra}.")
    if gemm_rates:
        ours = [r["gflops"] for r in records if r["workload"] == "gemm" and r["peer"] == "trustnn" and r.get("threads", 1) == 1]
        theirs = [r["gflops"] for r in records if r["workload"] == "gemm" and r["peer"] == "pytorch" and r.get("threads", 1) == 1]
        parts = []
        if ours:
            parts.append(f"trustnn::linalg {statistics.median(ours):.0f}")
        if theirs:
            parts.append(f"PyTorch torch.mm {statistics.median(theirs):.0f}")
        lines.append(f"Single-core SGEMM on 128×784×256 (GFLOP/s, median): {', '.join(parts)}; "
                     f"the floor uses the best single run, {best_gemm:.0f} GFLOP/s × threads.")
    lines.append("")
    lines.append("**Small and inference workloads** (1 thread)")
    lines.append("")
    lines.append("| workload | trustnn | PyTorch | ratio |")
    lines.append("|---|---|---|---|")
    tx = median_of("trustnn", "xor", 1, "microseconds_per_step")
    px = median_of("pytorch", "xor", 1, "microseconds_per_step")
    if tx and px:
        lines.append(f"| XOR 2-8-1 training step (µs) | {tx:.2f} | {px:.1f} | {px / tx:.0f}× faster |")
    ti = median_of("trustnn", "infer", 1, "batch1024_samples_per_second")
    pi = median_of("pytorch", "infer", 1, "batch1024_samples_per_second")
    if ti and pi:
        lines.append(f"| inference, batch 1024 (samples/s) | {ti:,.0f} | {pi:,.0f} | {ti / pi:.2f}× |")
    tl = median_of("trustnn", "infer", 1, "batch1_microseconds")
    pl = median_of("pytorch", "infer", 1, "batch1_microseconds")
    if tl and pl:
        lines.append(f"| inference, batch 1 latency (µs) | {tl:.1f} | {pl:.1f} | {pl / tl:.2f}× faster |")
    rss = median_of("trustnn", "train", 1, "peak_rss_mib")
    if rss:
        lines.append("")
        lines.append(f"trustnn peak RSS during the 1-thread epoch run: {rss:.0f} MiB "
                     "(the data alone are 60 000 × 784 × 4 B = 179 MiB).")
    table = "\n".join(lines)
    begin, end = "<!-- peers:begin -->", "<!-- peers:end -->"
    if args.doc:
        text = open(args.doc).read() if os.path.exists(args.doc) else f"{begin}\n{end}\n"
        if begin not in text or end not in text:
            text += f"\n{begin}\n{end}\n"
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        open(args.doc, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
    print(table)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["torch-train", "sklearn-train", "torch-xor", "torch-infer", "torch-gemm", "summarize"])
    p.add_argument("results", nargs="?", help="summarize: the JSON-lines file of all runs")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", type=lambda s: [int(v) for v in s.split(",")], default=[256, 128])
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--doc", help="summarize: the Markdown file to write the table into")
    p.add_argument("--machine", default="unknown machine")
    p.add_argument("--date", default=time.strftime("%Y-%m-%d"))
    p.add_argument("--rounds", default="?")
    args = p.parse_args()
    run = {
        "torch-train": torch_train,
        "sklearn-train": sklearn_train,
        "torch-xor": torch_xor,
        "torch-infer": torch_infer,
        "torch-gemm": torch_gemm,
    }
    if args.mode == "summarize":
        summarize(args)
        return
    out = run[args.mode](args)
    out.setdefault("blas", blas_info())
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
