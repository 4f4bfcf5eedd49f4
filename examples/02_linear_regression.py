"""Linear regression by gradient descent, checked against the least-squares solution.

Data: y = X w + b + noise with known w and b. A one-layer model (nn.Linear) trained with SGD
and momentum on the mean squared error should land on what np.linalg.lstsq computes directly.
"""

import numpy as np

from tinygrad_opt import nn, optim


def main():
    rng = np.random.default_rng(0)
    true_w, true_b = np.array([2.0, -3.0, 0.5]), 1.5
    X = rng.normal(size=(200, 3))
    y = X @ true_w + true_b + 0.1 * rng.normal(size=200)

    model = nn.Linear(3, 1, rng=0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = nn.mse_loss(model(X).reshape(-1), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    exact, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)
    print(f"final loss: {losses[-1]:.6f} (noise variance 0.01)")
    print(f"learned w = {model.weight.numpy().ravel()}, b = {model.bias.item():.6f}")
    print(f"lstsq   w = {exact[:3]}, b = {exact[3]:.6f}")
    print(
        f"largest difference from lstsq: {np.max(np.abs(np.append(model.weight.numpy(), model.bias.numpy()) - exact)):.2e}"
    )

    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no figure")
        return
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(losses, label="training loss")
    ax.axhline(0.01, color="gray", linestyle="--", label="noise variance (the best possible)")
    ax.legend()
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.set_title("Linear regression with SGD + momentum")
    ax.grid(alpha=0.3)
    fig.savefig("02_linear_regression.png", dpi=150)
    print("saved 02_linear_regression.png")


if __name__ == "__main__":
    main()
