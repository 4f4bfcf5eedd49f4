"""A small MLP on the two-moons data set, trained with SGD and with Adam from the same start.

The moons are made here with NumPy. Prints both optimizers' final loss and accuracy, and saves
their loss curves with Adam's decision regions.
"""

import numpy as np

from tinygrad_opt import nn, optim


def two_moons(n, noise, rng):
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = np.concatenate([upper, lower]) + noise * rng.normal(size=(2 * n, 2))
    return X, np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])


def make_model():
    return nn.Sequential(
        nn.Linear(2, 32, rng=0),
        nn.Tanh(),
        nn.Linear(32, 32, rng=1),
        nn.Tanh(),
        nn.Linear(32, 2, rng=2),
    )


def train(model, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main():
    rng = np.random.default_rng(0)
    X, y = two_moons(200, 0.1, rng)
    results = {}
    for name, make_optimizer in [
        ("SGD (lr 0.1, momentum 0.9)", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
        ("Adam (lr 0.01)", lambda p: optim.Adam(p, lr=0.01)),
    ]:
        model = make_model()
        losses = train(model, make_optimizer(model.parameters()), X, y, 500)
        accuracy = np.mean(model(X).numpy().argmax(axis=1) == y)
        results[name] = (model, losses)
        print(f"{name:<28} final loss {losses[-1]:.4f}, accuracy {accuracy:.1%}")

    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no figure")
        return
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, (_, losses) in results.items():
        left.semilogy(losses, label=name)
    left.set_xlabel("step")
    left.set_ylabel("cross-entropy")
    left.set_title("Training loss")
    left.legend()
    left.grid(alpha=0.3)
    model = results["Adam (lr 0.01)"][0]
    gx, gy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1, 1.5, 150))
    probs = model(np.column_stack([gx.ravel(), gy.ravel()])).numpy()
    right.contourf(
        gx, gy, (probs[:, 1] > probs[:, 0]).reshape(gx.shape), levels=1, alpha=0.25, cmap="coolwarm"
    )
    right.scatter(*X.T, c=y, s=10, cmap="coolwarm")
    right.set_title("Adam's decision regions")
    fig.savefig("04_mlp_classifier.png", dpi=150)
    print("saved 04_mlp_classifier.png")


if __name__ == "__main__":
    main()
