"""tinygrad_opt: a small reverse-mode autodiff Tensor on NumPy, and tools to study optimizers.

>>> import numpy as np, tinygrad_opt as tg
>>> def fx(x):
...     x1, x2 = x[0], x[1]
...     return np.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5
>>> tg.grad(fx)(np.array([0.0, 0.0]))
array([-6.8, -8. ])
"""

from . import autograd, classic, functions, nn, optim
from .autodiff import (
    GradcheckError,
    elementwise_grad,
    grad,
    gradcheck,
    hessian,
    hvp,
    jacobian,
    value_and_grad,
)
from .checkpoint import load, save
from .compile import CompileWarning, compile
from .functional import (
    abs,
    as_tensor,
    clip,
    concatenate,
    cos,
    dot,
    exp,
    expm1,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    stack,
    sum,
    tan,
    tanh,
    transpose,
    where,
)  # fmt: skip
from .minimize import OptimizeResult, minimize
from .study import Basins, Comparison, basins, compare
from .tensor import Parameter, Tensor, enable_grad, is_grad_enabled, no_grad

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Parameter", "no_grad", "enable_grad", "is_grad_enabled",
    "grad", "value_and_grad", "hessian", "gradcheck", "GradcheckError", "autograd", "jacobian",
    "hvp", "elementwise_grad", "compile", "CompileWarning",
    "optim", "classic", "functions", "nn", "save", "load", "minimize", "OptimizeResult", "compare",
    "Comparison", "basins", "Basins",
    "as_tensor", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "softplus", "relu", "abs", "clip", "sum", "mean", "max", "min", "reshape", "transpose", "maximum",
    "minimum", "where", "concatenate", "stack", "matmul", "dot", "logsumexp", "softmax",
    "log_softmax",
]  # fmt: skip
