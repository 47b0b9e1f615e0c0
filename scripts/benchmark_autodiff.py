"""Time each core kernel's reference against PyTorch autograd and JAX, and commit the table.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -r scripts/requirements-benchmark.txt
    mkdir /tmp/mcdl_quiet && .venv-bench/bin/python scripts/benchmark_autodiff.py; rmdir /tmp/mcdl_quiet
    .venv-bench/bin/python scripts/benchmark_autodiff.py ps07 ps09   # these kernels again, the others kept
    .venv-bench/bin/python scripts/benchmark_autodiff.py --no-write  # print only

The references are the instructor's answers, run from solutions/psXX/*.ipynb (never copied here).
Each kernel runs at its time-budget size (the argument makers of autograder/assignments/) and at one
large, realistic size, on the same float64 inputs in every library, in one process pinned to one
CPU with one thread everywhere (BLAS, OpenMP, torch, XLA). Before timing, every gradient is compared
with the reference's (relative error in the Frobenius norm). Then each version runs once to warm up
(JAX compiles then) and 7 times interleaved (reference, torch, jax, jax.jit, reference, ...); the
table holds medians. The results and a description of the machine go to book/data/autodiff.json,
which chapter 11 plots; the book build never times anything.

What is differentiated:
- dense_tanh_backward receives Z = tanh(XW + b) and G = dJ/dZ, so the libraries get their forward
  pass (and graph) untimed and only the backward pass (torch's Z.backward(G), JAX's vjp) is timed;
- every loss-and-gradient kernel: the loss written directly in the library, and its autodiff
  gradient (torch's backward, jax.value_and_grad); mf_loss_and_grad_sparse's loss is written with
  the Gram trick and the nnz observed products, never the n x m matrix;
- implicit_als_update has no gradient: the update solves the normal equations. Torch and JAX build
  the same systems H^T H + lam I + H_k^T diag(alpha r_k) H_k with batched products (users padded to
  the largest count) and solve them with their batched solvers.
"""

import os

os.environ.update({name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ["JAX_PLATFORMS"] = "cpu"
os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one CPU for every library's threads

import datetime  # noqa: E402 (the thread settings above must come before the libraries load)
import json  # noqa: E402
import platform  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402
import torch  # noqa: E402
from interleaved import RUNS, timings  # noqa: E402 (scripts/, beside this file)

from autograder.assignments import budget_rng, using_secret  # noqa: E402
from autograder.assignments import ps02_linear_layers as ps02  # noqa: E402
from autograder.assignments import ps03_softmax_cross_entropy as ps03  # noqa: E402
from autograder.assignments import ps04_feedforward_networks as ps04  # noqa: E402
from autograder.assignments import ps06_nonlinear_least_squares as ps06  # noqa: E402
from autograder.assignments import ps07_word_embeddings as ps07  # noqa: E402
from autograder.assignments import ps08_matrix_factorization as ps08  # noqa: E402
from autograder.assignments import ps09_weighted_factorization as ps09  # noqa: E402
from autograder.notebooks import answer_namespace  # noqa: E402
from autograder.secret import find_secret  # noqa: E402

jax.config.update("jax_enable_x64", True)
torch.set_num_threads(1)
torch.set_num_interop_threads(1)

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "book" / "data" / "autodiff.json"
AGREEMENT = 1e-8  # the largest relative error of an autodiff gradient against the reference


def reference(assignment, function):
    return answer_namespace(ROOT / "solutions" / assignment / f"{assignment}.ipynb")[function]


def t64(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def _torch_grad(loss_of, tensors):
    """A call computing loss_of(*leaves) and its gradients with autograd; returns numpy arrays."""
    leaves = [x.clone().requires_grad_(True) for x in tensors]

    def run():
        for leaf in leaves:
            leaf.grad = None
        loss = loss_of(*leaves)
        loss.backward()
        return (float(loss), *(leaf.grad for leaf in leaves))
    return run


def _jax_grad(loss_of, arrays, jit):
    grad = jax.value_and_grad(loss_of, argnums=tuple(range(len(arrays))))
    grad = jax.jit(grad) if jit else grad
    inputs = [jnp.asarray(a) for a in arrays]

    def run():
        value, grads = grad(*inputs)
        jax.block_until_ready(grads)
        return (float(value), *grads)
    return run


def _autodiff_versions(loss_torch, loss_jax, arrays, extra_torch=(), extra_jax=()):
    """torch, jax and jax.jit versions of (loss, gradients w.r.t. ``arrays``)."""
    return {
        "torch": _torch_grad(lambda *x: loss_torch(*x, *extra_torch), [t64(a) for a in arrays]),
        "jax": _jax_grad(lambda *x: loss_jax(*x, *extra_jax), arrays, jit=False),
        "jax.jit": _jax_grad(lambda *x: loss_jax(*x, *extra_jax), arrays, jit=True),
    }


# --- the kernels: (reference call, {library: call}); each call returns (value, *gradients) ---

def dense_tanh(layer):
    G, X, W, Z, b = layer.G, layer.X, layer.W, layer.Z, layer.b
    ref = reference("ps02_linear_layers", "dense_tanh_backward")
    leaves = [t64(a).requires_grad_(True) for a in (X, W, b)]
    Z_torch = torch.tanh(leaves[0] @ leaves[1] + leaves[2])
    G_torch = t64(G)

    def torch_backward():
        for leaf in leaves:
            leaf.grad = None
        Z_torch.backward(G_torch, retain_graph=True)
        return tuple(leaf.grad for leaf in leaves)

    _, pullback = jax.vjp(lambda X_, W_, b_: jnp.tanh(X_ @ W_ + b_), *map(jnp.asarray, (X, W, b)))
    G_jax, pullback_jit = jnp.asarray(G), jax.jit(lambda f, g: f(g))

    def jax_backward(jit):
        def run():
            grads = pullback_jit(pullback, G_jax) if jit else pullback(G_jax)
            return jax.block_until_ready(grads)
        return run
    return (lambda: ref(G, X, W, Z)), {"torch": torch_backward, "jax": jax_backward(False),
                                       "jax.jit": jax_backward(True)}


def softmax_ce(A, T):
    ref = reference("ps03_softmax_cross_entropy", "softmax_cross_entropy")
    S = A.shape[0]
    return (lambda: ref(A, T)), _autodiff_versions(
        lambda A_, T_: -(T_ * torch.log_softmax(A_, dim=1)).sum() / S,
        lambda A_, T_: -(T_ * jax.nn.log_softmax(A_, axis=1)).sum() / S,
        [A], (t64(T),), (jnp.asarray(T),))


def softmax_ce_labels(A, y):
    ref = reference("ps03_softmax_cross_entropy", "softmax_cross_entropy_labels")
    return (lambda: ref(A, y)), _autodiff_versions(
        lambda A_, y_: torch.nn.functional.cross_entropy(A_, y_),
        lambda A_, y_: -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(A_, axis=1), y_[:, None], axis=1)),
        [A], (torch.from_numpy(y),), (jnp.asarray(y),))


def mlp(params, X, Y, activations, loss, weight_decay):
    assert activations == ["tanh"] * (len(params) - 1) + ["softmax"] and loss == "softmax_nll"
    assert weight_decay == 0.0
    ref = reference("ps04_feedforward_networks", "mlp_loss_and_grad")
    t = X.shape[0]

    def forward(lib, tanh, log_softmax):
        def loss_of(*flat):
            Z = flat[-2]
            weights = flat[:-2]
            for j in range(0, len(weights), 2):
                A = Z @ weights[j] + weights[j + 1]
                Z = tanh(A) if j + 2 < len(weights) else A
            return -(flat[-1] * log_softmax(Z)).sum() / t
        return loss_of
    flat = [a for pair in params for a in pair]
    torch_loss = forward(torch, torch.tanh, lambda A: torch.log_softmax(A, dim=1))
    jax_loss = forward(jnp, jnp.tanh, lambda A: jax.nn.log_softmax(A, axis=1))

    def reference_flat():
        J, grads = ref(params, X, Y, activations, loss, weight_decay)
        return (J, *(g for pair in grads for g in pair))
    return reference_flat, _autodiff_versions(lambda *w: torch_loss(*w, t64(X), t64(Y)),
                                              lambda *w: jax_loss(*w, jnp.asarray(X), jnp.asarray(Y)), flat)


def tanh_ls(X, Y, C):
    ref = reference("ps06_nonlinear_least_squares", "tanh_least_squares")
    return (lambda: ref(X, Y, C)), _autodiff_versions(
        lambda X_, Y_, C_: 0.5 * ((torch.tanh(Y_ @ X_) - C_) ** 2).sum(),
        lambda X_, Y_, C_: 0.5 * ((jnp.tanh(Y_ @ X_) - C_) ** 2).sum(),
        [X], (t64(Y), t64(C)), (jnp.asarray(Y), jnp.asarray(C)))


def sgns(W_in, W_out, centers, contexts, negatives):
    ref = reference("ps07_word_embeddings", "sgns_loss_and_grad")
    N = centers.size

    def loss_of(logsigmoid, einsum):
        def loss(W_in_, W_out_, c, o, n):
            v = W_in_[c]
            positive = logsigmoid((W_out_[o] * v).sum(1))
            negative = logsigmoid(-einsum("nkd,nd->nk", W_out_[n], v)).sum()
            return -(positive.sum() + negative) / N
        return loss
    indices = (centers, contexts, negatives)
    return (lambda: ref(W_in, W_out, *indices)), _autodiff_versions(
        loss_of(torch.nn.functional.logsigmoid, torch.einsum), loss_of(jax.nn.log_sigmoid, jnp.einsum),
        [W_in, W_out], tuple(map(torch.from_numpy, indices)), tuple(map(jnp.asarray, indices)))


def sparse_mf(rows, cols, vals, shape, U, V, lam):
    ref = reference("ps08_matrix_factorization", "mf_loss_and_grad_sparse")

    def loss(U_, V_, r, c, p):  # ||P||^2 - 2 sum_obs p u.v + sum(U^T U * V^T V) + lam (||U||^2 + ||V||^2)
        observed = (U_[r] * V_[c]).sum(1)
        return (p * p).sum() - 2 * (p * observed).sum() + ((U_.T @ U_) * (V_.T @ V_)).sum() + lam * (
            (U_ * U_).sum() + (V_ * V_).sum())
    data = (rows, cols, vals)
    return (lambda: ref(rows, cols, vals, shape, U, V, lam)), _autodiff_versions(
        loss, loss, [U, V], tuple(map(t64, data)), tuple(map(jnp.asarray, data)))


def implicit_als(rows, cols, vals, shape, H, alpha, lam):
    ref = reference("ps09_weighted_factorization", "implicit_als_update")
    m, d = shape[0], H.shape[1]
    counts = np.bincount(rows, minlength=m)
    order = np.argsort(rows, kind="stable")
    first = np.cumsum(counts) - counts
    seen = np.arange(counts.max()) < counts[:, None]  # (m, most): users padded to the largest count
    where = np.where(seen, first[:, None] + np.arange(seen.shape[1]), 0)
    items = cols[order][where]  # (m, most) item indices
    extra = np.where(seen, alpha * vals[order][where], 0.0)  # C_kj - 1, and 0 on the padding
    ones = seen.astype(float)

    def solve(lib):
        eye = lib.eye(d, dtype=lib.float64)

        def update(H_, items_, extra_, ones_):
            H_seen = H_[items_]  # (m, most, d)
            systems = H_.T @ H_ + lam * eye + lib.einsum("btd,bt,bte->bde", H_seen, extra_, H_seen)
            targets = lib.einsum("btd,bt->bd", H_seen, ones_ + extra_)
            return lib.linalg.solve(systems, targets[..., None])[..., 0]
        return update

    torch_args = (t64(H), torch.from_numpy(items), t64(extra), t64(ones))
    jax_args = tuple(map(jnp.asarray, (H, items, extra, ones)))
    torch_update, jax_update = solve(torch), solve(jnp)
    jax_jit = jax.jit(jax_update)
    return (lambda: (ref(rows, cols, vals, shape, H, alpha, lam),)), {
        "torch": lambda: (torch_update(*torch_args),),
        "jax": lambda: (jax.block_until_ready(jax_update(*jax_args)),),
        "jax.jit": lambda: (jax.block_until_ready(jax_jit(*jax_args)),),
    }


def _layer(rng, sizes):
    return ps02._layer(rng, sizes, activation="tanh")


LARGE_SEED = 20261201
# (kernel, assignment, builder, budget-size arguments, large-size arguments, size labels)
KERNELS = [
    ("dense_tanh_backward", "ps02", dense_tanh,
     lambda: (_layer(budget_rng("ps02_dense_tanh", 0), ps02.BUDGET_SIZES),),
     lambda rng: (_layer(rng, (4096, 1024, 1024)),),
     ("t, n, m = " + ", ".join(map(str, ps02.BUDGET_SIZES)), "t, n, m = 4096, 1024, 1024")),
    ("softmax_cross_entropy", "ps03", softmax_ce, lambda: ps03.fused_budget_arguments(0),
     lambda rng: (ps03._logits(rng, (2048, 10000)), ps03._targets(rng, (2048, 10000), "soft")),
     ("S, C = " + ", ".join(map(str, ps03.BUDGET_SHAPE)), "S, C = 2048, 10000")),
    ("softmax_cross_entropy_labels", "ps03", softmax_ce_labels, lambda: ps03.labels_budget_arguments(0),
     lambda rng: ps03._labels_case(rng, (2048, 10000)),
     ("S, C = " + ", ".join(map(str, ps03.BUDGET_SHAPE)), "S, C = 2048, 10000")),
    ("mlp_loss_and_grad", "ps04", mlp, lambda: ps04.mlp_budget_arguments(0),
     lambda rng: (*ps04.network(rng, (784, 1024, 1024, 10), ("tanh", "tanh", "softmax"), "softmax_nll", 1024),
                  ["tanh", "tanh", "softmax"], "softmax_nll", 0.0),
     ("layers " + "-".join(map(str, ps04.BUDGET_LAYERS)) + f", batch {ps04.BUDGET_BATCH}",
      "layers 784-1024-1024-10, batch 1024")),
    ("tanh_least_squares", "ps06", tanh_ls, lambda: ps06.budget_arguments(0),
     lambda rng: ps06._problem(rng, (20000, 200, 1000)),
     ("m, n, p = " + ", ".join(map(str, ps06.BUDGET_SIZES)), "m, n, p = 20000, 200, 1000")),
    ("sgns_loss_and_grad", "ps07", sgns, lambda: ps07.sgns_budget_arguments(0),
     lambda rng: ps07._batch(rng, 50000, 128, 16384, 10, repeats=False),
     ("V, d, N, K = " + ", ".join(map(str, ps07.BUDGET_SHAPE)), "V, d, N, K = 50000, 128, 16384, 10")),
    ("mf_loss_and_grad_sparse", "ps08", sparse_mf, lambda: ps08.sparse_budget_arguments(0),
     lambda rng: ps08._sparse_problem(rng, (6040, 3706, 64), 166) + (ps08.LAM,),
     ("n, m, d = " + ", ".join(map(str, ps08.TIME_SIZES)) + f", {ps08.BUDGET_PER_ROW} nonzeros per row",
      "n, m, d = 6040, 3706, 64, 166 nonzeros per row (MovieLens-1M's density)")),
    ("implicit_als_update", "ps09", implicit_als, lambda: ps09.implicit_budget_arguments(0),
     lambda rng: (*ps09.implicit_problem(rng, 10000, 20000, 64, 50), 40.0, 0.1),
     ("users, items, d = " + ", ".join(map(str, ps09.IMPLICIT_BUDGET_SIZES[:3]))
      + f", {ps09.IMPLICIT_BUDGET_SIZES[3]} observations per user",
      "users, items, d = 10000, 20000, 64, 50 observations per user")),
]


def agreement(reference_out, library_out):
    """The largest relative error over the outputs (the value, then each gradient)."""
    return max(relative_error(np.asarray(a), np.asarray(b)) for a, b in zip(reference_out, library_out, strict=True))


def measure(kernel, builder, arguments):
    reference_call, libraries = builder(*arguments)
    reference_out = tuple(reference_call())
    errors = {}
    for name, call in libraries.items():
        out = call()
        errors[name] = agreement(reference_out, [np.asarray(x) for x in out])
        if errors[name] > AGREEMENT:
            raise SystemExit(f"{kernel}: {name} disagrees with the reference (relative error {errors[name]:.2e})")
    runs = timings({"reference": reference_call, **libraries})
    seconds = {name: float(np.median(spent)) for name, spent in runs.items()}
    spread = {name: [float(min(spent)), float(max(spent))] for name, spent in runs.items()}
    return seconds, spread, errors


def machine():
    with open("/proc/cpuinfo") as info:
        fields = dict(line.split(":", 1) for line in info.read().split("\n\n")[0].splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    # a virtual machine may report only "AMD EPYC": the family and model numbers still name the generation
    model = fields.get("model name", "unknown")
    # what np.show_runtime() reports, as data: every BLAS and OpenMP library loaded, its kernel and threads
    blas = [{**{key: pool.get(key) for key in ("internal_api", "version", "architecture", "num_threads",
                                               "threading_layer")}, "library": Path(pool["filepath"]).name}
            for pool in threadpoolctl.threadpool_info()]
    return {
        "cpu": model, "cpu_family": fields.get("cpu family"), "cpu_model": fields.get("model"),
        "avx512": "avx512f" in fields.get("flags", "").split(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", platform.platform()),
        "kernel": platform.release(), "date": datetime.date.today().isoformat(),
        "cpus_used": 1, "python": platform.python_version(),
        "numpy": np.__version__, "torch": torch.__version__, "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "blas": blas, "torch_threads": torch.get_num_threads(),
        "xla_flags": os.environ["XLA_FLAGS"],
        "runs": RUNS, "statistic": "median of interleaved runs, one warm-up call each; spread: fastest and slowest run",
    }


def main(selected, write):
    rng = np.random.default_rng(LARGE_SEED)
    results = []
    header = f"{'kernel':30s} {'size':7s} {'reference ms':>12s} {'torch ms':>9s} {'ref/torch':>9s} " \
             f"{'ref/jax':>8s} {'ref/jit':>8s} {'max rel err':>11s}"
    print(header)
    for kernel, assignment, builder, budget_args, large_args, labels in KERNELS:
        if selected and assignment not in selected and kernel not in selected:
            continue
        for size, make, label in (("budget", budget_args, labels[0]), ("large", partial(large_args, rng), labels[1])):
            seconds, spread, errors = measure(kernel, builder, make())
            ref_ms = 1e3 * seconds["reference"]
            ratios = {name: seconds["reference"] / seconds[name] for name in ("torch", "jax", "jax.jit")}
            print(f"{kernel:30s} {size:7s} {ref_ms:12.2f} {1e3 * seconds['torch']:9.2f} {ratios['torch']:9.2f} "
                  f"{ratios['jax']:8.2f} {ratios['jax.jit']:8.2f} {max(errors.values()):11.1e}", flush=True)
            results.append({"kernel": kernel, "assignment": assignment, "size": size, "shape": label,
                            "seconds": seconds, "spread": spread, "relative_error": errors})
    if write:
        OUTPUT.parent.mkdir(exist_ok=True)
        if selected and OUTPUT.exists():  # measured again: these kernels; the others as they were
            measured = {(r["kernel"], r["size"]) for r in results}
            kept = [r for r in json.loads(OUTPUT.read_text())["results"] if (r["kernel"], r["size"]) not in measured]
            order = [k[0] for k in KERNELS]
            results = sorted(kept + results, key=lambda r: (order.index(r["kernel"]), r["size"] != "budget"))
        OUTPUT.write_text(json.dumps({"machine": machine(), "results": results}, indent=1) + "\n")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")]
    with using_secret(find_secret(ROOT) or secrets.token_hex(32)):
        main(chosen, write="--no-write" not in flags)
