"""The blog post's experiment, with automatic differentiation in place of its hand-written gfx.

The post minimised fx(x) = exp(x₁/5) + 5x₁² + 3x₂² − 2x₁x₂ − 7x₁ − 8x₂ + 5 from (0, 0) with
AdaGrad, RMSProp and Adam written as NumPy loops. tinygrad_opt.classic runs the same loops on
its optimizer classes; tg.grad(fx) replaces the gradient the post derived by hand.
"""

import numpy as np

import tinygrad_opt as tg
from tinygrad_opt import classic


def fx(x):  # the post's function, unchanged
    x1 = x[0]
    x2 = x[1]
    return np.exp((x1) / 5) + 5 * (x1**2) + 3 * (x2**2) - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def gfx(x):  # the post's hand-written gradient, for comparison
    x1 = x[0]
    x2 = x[1]
    return np.array([np.exp(x1 / 5) / 5 + 10 * x1 - 2 * x2 - 7, 6 * x2 - 2 * x1 - 8])


def main():
    gradient = tg.grad(fx)
    x = np.array([0.3, -1.2])
    print(f"autodiff gradient at {x}: {gradient(x)}")
    print(f"hand-written gfx at  {x}: {gfx(x)}")
    print(f"Hessian by double backward:\n{tg.hessian(fx)(x)}\n")

    start = np.array([0, 0])
    runs = {
        "AdaGrad": classic.adagrad(fx, gradient, start, ir=1000),
        "RMSProp": classic.rmsprop(fx, gradient, start, rho=0.8, ir=1000),
        "Adam": classic.adam(gradient, start, alpha=0.1),
    }
    x_star = tg.functions.post.minimiser
    for name, (x_end, count, _) in runs.items():
        print(
            f"{name:<8} stopped at iteration {count:>3}: x = {x_end}, f(x) = {fx(x_end):.10f}, "
            f"|x − x*| = {np.linalg.norm(x_end - x_star):.1e}"
        )
    print("(the post: AdaGrad 562, RMSProp 30, Adam 174)")

    try:
        from tinygrad_opt import plot
    except ImportError:
        return
    try:
        fig = plot.paths(
            fx,
            {name: log for name, (_, _, log) in runs.items()},
            domain="auto",
            title="The post's fx: AdaGrad, RMSProp and Adam from (0, 0)",
        )
    except ImportError:
        print("matplotlib is not installed: no figure")
        return
    fig.savefig("01_post_paths.png", dpi=150)
    print("saved 01_post_paths.png")


if __name__ == "__main__":
    main()
