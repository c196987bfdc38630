#!/usr/bin/env bash
# Runs trustnn (examples/bench_mlp.rs) and its peers (PyTorch, scikit-learn: peers.py) on
# the same workloads, alternating, ROUNDS rounds at each thread count, and writes a table
# of medians and ratios into docs/PERFORMANCE.md between the `peers:begin`/`peers:end`
# marker comments.
#
# Usage (from anywhere in a clone):  bash benches/peers/run.sh
# Environment:
#   ROUNDS=3            rounds (each runs every workload of every peer once per thread count)
#   THREADS="1 2"       thread counts for the training epoch
#   PEERS_PYTHON=...    an interpreter that already has requirements.txt installed
#                       (default: a virtual environment created under target/peers-venv)
#
# The first run creates target/peers-venv and installs requirements.txt. PyPI's torch wheel
# for Linux is the CUDA build (about 3 GB of downloads with its nvidia-* packages); it runs
# on the CPU here. Everything runs on the CPU.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1 2}"
out_dir="$root/target/peers"
mkdir -p "$out_dir"
results="$out_dir/results.jsonl"
: > "$results"

if [[ -n "${PEERS_PYTHON:-}" ]]; then
    py="$PEERS_PYTHON"
else
    venv="$root/target/peers-venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "creating $venv (torch from PyPI is the CUDA build, ~3 GB; it runs on the CPU)" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --upgrade pip >&2
        "$venv/bin/pip" install -r "$here/requirements.txt" >&2
    fi
    py="$venv/bin/python"
fi

echo "building bench_mlp (release; single-threaded and with --features threads)" >&2
cargo build --release --example bench_mlp >&2
cp target/release/examples/bench_mlp "$out_dir/bench_mlp"
cargo build --release --features threads --example bench_mlp >&2
cp target/release/examples/bench_mlp "$out_dir/bench_mlp_threads"

# numpy's OpenBLAS reads these; on some processors this environment sets them to work around
# old OpenBLAS bugs, which slows a current numpy. They are unset for the peer runs only.
peer() {
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        OMP_NUM_THREADS="$1" MKL_NUM_THREADS="$1" OPENBLAS_NUM_THREADS="$1" \
        "$py" "$here/peers.py" "$2" --threads "$1" "${@:3}"
}
ours() {
    local bin="$out_dir/bench_mlp"
    [[ "$1" != 1 ]] && bin="$out_dir/bench_mlp_threads"
    "$bin" --threads "$1" --json "${@:2}"
}
record() { tee -a "$results" >&2; }

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round of $ROUNDS" >&2
    for t in $THREADS; do
        ours "$t" --mode train --epochs 1 | record
        peer "$t" torch-train | record
        peer "$t" sklearn-train | record
    done
    ours 1 --mode xor | record
    peer 1 torch-xor | record
    ours 1 --mode infer | record
    peer 1 torch-infer | record
    ours 1 --mode gemm | record
    peer 1 torch-gemm | record
done

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
"$py" "$here/peers.py" summarize "$results" --doc "$root/docs/PERFORMANCE.md" \
    --machine "$machine" --date "$(date -u +%Y-%m-%d)" --rounds "$ROUNDS"
echo "wrote docs/PERFORMANCE.md (raw runs: $results)" >&2
