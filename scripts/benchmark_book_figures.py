"""Measure the timing figures of chapters 9 and 10 once, so that the book build plots data, never a clock.

    mkdir /tmp/mcdl_quiet && .venv/bin/python scripts/benchmark_book_figures.py; rmdir /tmp/mcdl_quiet

Writes book/data/matrix_factorization_gram.json (chapter 9: the dense and the Gram-trick gradient of
||P - U V^T||_F^2 on square problems, d = 8, 20 nonzeros per row) and
book/data/implicit_feedback_system.json (chapter 10: one user's d x d system three ways as n grows).
One thread (BLAS and OpenMP), one warm-up call per version, then 7 interleaved runs; medians. The
kernels are the ones the chapters show (written out again here; the chapters check them on small
inputs at build time).
"""

import os

os.environ.update({name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})

import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from interleaved import RUNS, medians  # noqa: E402 (scripts/, beside this file)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "book" / "data"


def machine():
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "unknown")
    return {"cpu": cpu, "threads": 1, "numpy": np.__version__, "python": platform.python_version(),
            "runs": RUNS, "statistic": "median of interleaved runs after one warm-up call"}


# --- chapter 9 ---------------------------------------------------------------------------------

def dense_way(rows, cols, vals, n, m, U, V):
    Pd = np.zeros((n, m))
    Pd[rows, cols] = vals
    Rd = Pd - U @ V.T
    return -2 * Rd @ V, -2 * Rd.T @ U


def gram_way(rows, cols, vals, n, m, U, V):
    d = U.shape[1]
    PV_, PtU_ = np.empty((n, d)), np.empty((m, d))
    for col in range(d):
        PV_[:, col] = np.bincount(rows, weights=vals * V[cols, col], minlength=n)
        PtU_[:, col] = np.bincount(cols, weights=vals * U[rows, col], minlength=m)
    return -2 * PV_ + 2 * U @ (V.T @ V), -2 * PtU_ + 2 * V @ (U.T @ U)


def chapter9(rng, d=8, per_row=20, sizes=(200, 400, 800, 1600, 3200)):
    dense, gram = [], []
    for n in sizes:
        pos = rng.choice(n * n, size=per_row * n, replace=False)
        rows, cols = np.divmod(pos, n)
        args = (rows, cols, rng.standard_normal(pos.size), n, n, rng.standard_normal((n, d)),
                rng.standard_normal((n, d)))
        times = medians({"dense": lambda: dense_way(*args), "gram": lambda: gram_way(*args)})  # noqa: B023
        dense.append(times["dense"])
        gram.append(times["gram"])
    return {"d": d, "per_row": per_row, "n": list(sizes), "dense_seconds": dense, "gram_seconds": gram}


# --- chapter 10 --------------------------------------------------------------------------------

def chapter10(rng, d=32, n_k=30, alpha=40.0, lam=0.1, sizes=(250, 500, 1000, 2000, 4000, 8000, 16000),
              diag_limit=4000):
    eye = np.eye(d)
    out = {"d": d, "n_k": n_k, "n": list(sizes), "diag_n": [n for n in sizes if n <= diag_limit],
           "diag_seconds": [], "rows_seconds": [], "gram_seconds": [], "gram_once_seconds": []}
    for n in sizes:
        H = rng.standard_normal((n, d)) / np.sqrt(d)
        observed = rng.choice(n, size=n_k, replace=False)
        counts = rng.integers(1, 10, size=n_k).astype(float)
        confidence = np.ones(n)
        confidence[observed] += alpha * counts
        gram = H.T @ H
        calls = {
            "rows": lambda: H.T @ (confidence[:, None] * H) + lam * eye,  # noqa: B023
            "gram": lambda: gram + H[observed].T @ ((alpha * counts)[:, None] * H[observed]) + lam * eye,  # noqa: B023
            "gram_once": lambda: H.T @ H,  # noqa: B023
        }
        if n <= diag_limit:
            calls["diag"] = lambda: H.T @ np.diag(confidence) @ H + lam * eye  # noqa: B023
        times = medians(calls)
        for name, seconds in times.items():
            out[f"{name}_seconds"].append(seconds)
    return out


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(20261201)
    for name, result in (("matrix_factorization_gram", chapter9(rng)), ("implicit_feedback_system", chapter10(rng))):
        (DATA / f"{name}.json").write_text(json.dumps({"machine": machine(), **result}, indent=1) + "\n")
        print(f"wrote book/data/{name}.json")
