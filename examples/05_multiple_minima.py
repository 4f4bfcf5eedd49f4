"""The study the post wished for: optimizers on functions with several local minima.

Every optimizer runs from the same 20 random starts on each test function, at a learning rate
tuned on 10 other starts; the table gives the success rate (f − f* ≤ 1e-5) with its 95%
interval, the expected running time, which minima the runs found and the median final gap
f − f*. ``tg.compare()`` without arguments runs every built-in function; three keep this example
quick. Figures: where the runs ended, and four optimizers' paths on Himmelblau's function,
whose four global minima compete.
"""

import tinygrad_opt as tg
from tinygrad_opt import functions


def main():
    result = tg.compare(["himmelblau", "six_hump_camel", "rastrigin"], starts=20, seed=0)
    print(result.table())

    best = {}
    for row in result.summary():
        if row["success_rate"] > best.get(row["function"], (None, -1))[1]:
            best[row["function"]] = (row["method"], row["success_rate"])
    print("\nmost successful method per function:")
    for name, (method, rate) in best.items():
        print(f"  {name:<16} {method:<8} {rate:.0%}")

    try:
        from tinygrad_opt import plot

        fig = plot.comparison(result)
    except ImportError:
        print("matplotlib is not installed: no figures")
        return
    fig.savefig("05_compare.png", dpi=110)
    f = functions.himmelblau
    runs = {
        m: tg.minimize(f, [-0.3, -0.9], method=m, lr=lr)
        for m, lr in [("sgd", 0.01), ("adagrad", 1.0), ("rmsprop", 0.03), ("adam", 0.1)]
    }
    plot.paths(f, runs, title="Himmelblau from (−0.3, −0.9), near its central maximum").savefig(
        "05_himmelblau_paths.png", dpi=150
    )
    for m, r in runs.items():
        print(f"{m:<8} from (−0.3, −0.9) ended at ({r.x[0]:.4f}, {r.x[1]:.4f}) after {r.nit} steps")
    print("saved 05_compare.png and 05_himmelblau_paths.png")


if __name__ == "__main__":
    main()
