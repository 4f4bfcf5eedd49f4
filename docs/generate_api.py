"""Write docs/api.md, the API reference, from the docstrings of every public name.

    python docs/generate_api.py          # rewrite docs/api.md
    python docs/generate_api.py --check  # exit 1 if docs/api.md is out of date

The test suite runs the check, so the reference cannot drift from the code.
"""

import importlib
import inspect
import sys
from pathlib import Path

import tinygrad_opt as tg
from tinygrad_opt import checkpoint, classic, functions, nn, optim, plot, study
from tinygrad_opt.optim import lr_scheduler

# tg.minimize is the function; the module of the same name is reached by its full name
minimize = importlib.import_module("tinygrad_opt.minimize")
cli = importlib.import_module("tinygrad_opt.cli")

OUTPUT = Path(__file__).parent / "api.md"

SECTIONS = [
    ("Tensors and automatic differentiation", tg, [
        "Tensor", "Parameter", "no_grad", "enable_grad", "is_grad_enabled",
        "grad", "value_and_grad", "hessian", "gradcheck", "GradcheckError",
    ]),
    ("Functions on tensors (NumPy names; NumPy's own functions work too)", tg, [
        "as_tensor", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh",
        "sigmoid", "softplus", "relu", "abs", "clip", "sum", "mean", "max", "min", "reshape",
        "transpose", "maximum", "minimum", "where", "concatenate", "stack", "matmul", "dot",
        "logsumexp", "softmax", "log_softmax",
    ]),
    ("Optimizers: tinygrad_opt.optim", optim, [
        "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW",
        "sgd_update", "adagrad_update", "rmsprop_update", "adam_update",
        "clip_grad_norm_", "clip_grad_value_",
    ]),
    ("Learning-rate schedules: tinygrad_opt.optim.lr_scheduler", lr_scheduler, [
        "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
        "ReduceLROnPlateau",
    ]),
    ("The post's loops: tinygrad_opt.classic", classic, ["adagrad", "rmsprop", "adam"]),
    ("Checkpoints", checkpoint, ["save", "load"]),
    ("minimize", minimize, ["minimize", "OptimizeResult"]),
    ("Test functions: tinygrad_opt.functions", functions, ["TestFunction", "get"]),
    ("The comparison study", study, ["compare", "Comparison"]),
    ("Plots: tinygrad_opt.plot", plot, ["paths", "losses", "comparison"]),
    ("Toy models: tinygrad_opt.nn", nn, [
        "Module", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid", "mse_loss",
        "cross_entropy", "binary_cross_entropy_with_logits",
    ]),
]  # fmt: skip

MODULES = [tg, tg.tensor, tg.ops, tg.functional, tg.numpy_dispatch, tg.autodiff, optim, optim.optimizer, optim.sgd,
           optim.adagrad, optim.rmsprop, optim.adam, lr_scheduler, optim.clip, classic, checkpoint,
           minimize, functions, study, plot, nn, cli]  # fmt: skip


def _signature(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _public_methods(cls):
    for name, member in vars(cls).items():
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        yield name, member


def render():
    lines = ["# API reference", "",
             "Generated from the docstrings by `docs/generate_api.py`; every public name is here.",
             "", "Modules:", ""]  # fmt: skip
    for module in MODULES:
        summary = inspect.getdoc(module).splitlines()[0]
        lines.append(f"- `{module.__name__}`: {summary}")
    lines.append("")
    for title, module, names in SECTIONS:
        lines += [f"## {title}", ""]
        for name in names:
            obj = getattr(module, name)
            kind = "class" if inspect.isclass(obj) else "function"
            lines += [f"### `{name}{_signature(obj)}`", "", f"*{kind}*", "", inspect.getdoc(obj), ""]
            if inspect.isclass(obj):
                for method, member in _public_methods(obj):
                    doc = inspect.getdoc(member)
                    if isinstance(member, property):
                        lines += [f"- `{name}.{method}` (property): {doc}"]
                    else:
                        lines += [f"- `{name}.{method}{_signature(member)}`: {doc}"]
                lines.append("")
    lines += ["## Test functions", "",
              "| name | formula | domain | global minima | f* |", "|---|---|---|---|---|"]  # fmt: skip
    for f in functions.ALL.values():
        minima = ", ".join(f"({x:.6g}, {y:.6g})" for x, y in f.minima)
        lines.append(f"| `{f.name}` | {f.formula} | {f.domain} | {minima} | {f.minimum:.10g} |")
    return "\n".join(line.rstrip() for line in lines).replace("\n\n\n", "\n\n") + "\n"


def missing_docstrings():
    """Public names (and public methods of public classes) with no docstring."""
    missing = [m.__name__ for m in MODULES if not inspect.getdoc(m)]
    for _, module, names in SECTIONS:
        for name in names:
            obj = getattr(module, name)
            if not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for method, member in _public_methods(obj):
                    if not member.__doc__:
                        missing.append(f"{module.__name__}.{name}.{method}")
    return missing


def main(argv):
    text = render()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print("docs/api.md is out of date: run python docs/generate_api.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
