"""tg.compile on the post's problem: one optimizer step, compiled vs eager vs hand-written NumPy.

One interleaved run (see _timing.py), medians, ratios printed. The contenders, per step:

* floor     the post's code: fx(x) + gfx(x) + its Adam update in NumPy (tests/post_code.py);
* compiled  zero_grad, loss = tg.compile(fx)(p), loss.backward(), optim.Adam.step();
* eager     the same with fx itself.

The share of the optimizer step and of value + gradient are timed apart too, and the cost of
the first call (the trace), and tg.minimize on every built-in function with and without
compile=True are reported.

    PYTHONPATH=. python benchmarks/bench_compile.py
"""

import time

import numpy as np

import tinygrad_opt as tg
from benchmarks._timing import median_seconds_interleaved
from tests.post_code import fx, gfx
from tinygrad_opt import optim


def post_floor():
    x = np.array([0.3, -1.2])
    state = {"x": x, "m": 0, "v": 0, "t": 1}
    alpha, beta1, beta2, epsilon = 0.1, 0.9, 0.999, 10e-8

    def step():
        x, m, v, t = state["x"], state["m"], state["v"], state["t"]
        fx(x)
        gx = gfx(x)
        m = beta1 * m + (1 - beta1) * gx
        v = beta2 * v + (1 - beta2) * gx**2
        mh = m / (1 - beta1**t)
        vh = v / (1 - beta2**t)
        x = x - alpha * mh / (vh ** (1 / 2) + epsilon)
        state.update(x=x, m=m, v=v, t=t + 1)
        if t > 1000:  # keep the iterate in its usual range
            state.update(x=np.array([0.3, -1.2]), m=0, v=0, t=1)

    return step


def library_step(f):
    p = tg.Parameter([0.3, -1.2])
    opt = optim.Adam([p], lr=0.1, eps=1e-7)
    count = [0]

    def step():
        opt.zero_grad()
        f(p).backward()
        opt.step()
        count[0] += 1
        if count[0] > 1000:
            p.data[...] = (0.3, -1.2)
            opt.state.clear()
            count[0] = 0

    return step


def value_and_gradient(f):
    p = tg.Parameter([0.3, -1.2])

    def run():
        p.grad = None
        f(p).backward()

    return run


def optimizer_only():
    p = tg.Parameter([0.3, -1.2])
    p.grad = np.array([0.1, -0.2])
    opt = optim.Adam([p], lr=1e-4, eps=1e-7)
    return opt.step


def hand_value_and_gradient():
    x = np.array([0.3, -1.2])
    return lambda: (fx(x), gfx(x))


def trace_cost():
    times = []
    p = tg.Parameter([0.3, -1.2])
    for _ in range(20):
        fc = tg.compile(fx)
        start = time.perf_counter()
        fc(p).backward()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def minimize(f, x0, compile_):
    if compile_:
        try:
            return tg.minimize(f, x0, method="adam", max_iter=300, tol=0, compile=True)
        except TypeError:  # a minimize without the keyword: compile f by hand
            return tg.minimize(tg.compile(f), x0, method="adam", max_iter=300, tol=0)
    return tg.minimize(f, x0, method="adam", max_iter=300, tol=0)


def descents(compile_):
    out = {}
    for f in tg.functions.ALL.values():
        x0 = np.mean(np.array(f.domain), axis=1) + 0.3
        start = time.perf_counter()
        for _ in range(3):
            minimize(f, x0, compile_)
        out[f.name] = (time.perf_counter() - start) / 3
    return out


def main():
    fc = tg.compile(fx)
    t = median_seconds_interleaved(
        {
            "floor": post_floor(),
            "compiled": library_step(fc),
            "eager": library_step(fx),
            "floor_vg": hand_value_and_gradient(),
            "compiled_vg": value_and_gradient(fc),
            "eager_vg": value_and_gradient(fx),
            "adam_step": optimizer_only(),
        },
        number=2000,
        repeat=9,
    )
    us = {k: v * 1e6 for k, v in t.items()}
    print("the post's step (value, gradient, Adam on 2 parameters), median µs per step")
    for k in ("floor", "compiled", "eager"):
        print(f"  {k:10s} {us[k]:8.2f} µs   {us[k] / us['floor']:5.2f}x the floor")
    print("its parts")
    for k in ("floor_vg", "compiled_vg", "eager_vg"):
        print(f"  {k:12s} {us[k]:8.2f} µs   {us[k] / us['floor_vg']:5.2f}x fx + gfx")
    print(
        f"  optim.Adam.step on 2 elements: {us['adam_step']:.2f} µs "
        f"({us['adam_step'] / us['compiled']:.0%} of the compiled step)"
    )
    print(f"first call (trace + code generation + run): {trace_cost() * 1e6:.0f} µs")
    eager = descents(False)
    compiled = descents(True)
    print("tg.minimize(f, x0, 'adam', max_iter=300): seconds per run, eager / compiled")
    for name in eager:
        print(
            f"  {name:16s} {eager[name]:7.4f} {compiled[name]:7.4f}   {eager[name] / compiled[name]:5.2f}x"
        )
    total_e, total_c = sum(eager.values()), sum(compiled.values())
    print(f"  {'all':16s} {total_e:7.4f} {total_c:7.4f}   {total_e / total_c:5.2f}x")
    # The study (tg.compare) evaluates built-in functions through their own value-and-gradient
    # hook, not through autodiff, so compiling does not apply to it; its per-iteration cost is
    # the descent loop's own.


if __name__ == "__main__":
    main()
