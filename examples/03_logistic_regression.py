"""Logistic regression on two Gaussian clouds, trained with Adam on binary cross-entropy.

Prints the training accuracy and saves the data with the learned decision boundary.
"""

import numpy as np

from tinygrad_opt import nn, optim


def main():
    rng = np.random.default_rng(1)
    n = 200
    X = np.concatenate([rng.normal([-1.0, -0.5], 0.8, (n, 2)), rng.normal([1.2, 0.8], 0.8, (n, 2))])
    y = np.concatenate([np.zeros(n), np.ones(n)])

    model = nn.Linear(2, 1, rng=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    for step in range(300):
        opt.zero_grad()
        loss = nn.binary_cross_entropy_with_logits(model(X).reshape(-1), y)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"step {step:>3}: loss {loss.item():.4f}")

    predicted = model(X).numpy().ravel() > 0
    print(f"final loss {loss.item():.4f}, training accuracy {np.mean(predicted == y):.1%}")
    w, b = model.weight.numpy().ravel(), model.bias.item()
    print(f"decision boundary: {w[0]:.3f}·x₁ + {w[1]:.3f}·x₂ + {b:.3f} = 0")

    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no figure")
        return
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    ax.scatter(*X[y == 0].T, s=12, label="class 0", alpha=0.7)
    ax.scatter(*X[y == 1].T, s=12, label="class 1", alpha=0.7)
    xs = np.linspace(X[:, 0].min(), X[:, 0].max(), 2)
    ax.plot(xs, -(w[0] * xs + b) / w[1], "k-", label="decision boundary")
    ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend()
    ax.set_title("Logistic regression (Adam, binary cross-entropy)")
    fig.savefig("03_logistic_regression.png", dpi=150)
    print("saved 03_logistic_regression.png")


if __name__ == "__main__":
    main()
