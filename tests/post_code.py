"""The blog post's code, copied unchanged (only the plotting and the calls are left out).

Tests compare the library against these functions, so they must stay exactly as the post wrote
them.
"""

import numpy as np


#f(x1,x2)
def fx(x):
    x1 = x[0]
    x2 = x[1]
    return np.exp((x1)/5)+5*(x1**2) + 3*(x2**2) - 2*x1*x2 - 7*x1 - 8*x2+5

#gradient of f
def gfx(x):
    x1 = x[0]
    x2 = x[1]
    return np.array([np.exp(x1/5)/5+10*x1-2*x2-7, 6*x2-2*x1-8])


def adagrad(f, gfx, x, ir=100, h=np.array([0.1,0.1]), lamb=0.1, th=0.00001):
    h = h.copy()
    log = np.array([])
    for i in range(ir):
        log = np.append(log, x)
        gx = gfx(x)
        h += gx**2
        xNew = x-lamb*gx/(h**(1/2))
        if(sum(abs(x-xNew)) <th):
            break
        x = xNew
    log = log.reshape(len(log)//2, 2)
    return x, i, log


def rmsprop(f, gfx, x, ir=100, h=np.array([0.1, 0.1]), gamma=0.001, lamb=0.1,
                    rho = 0.5, th=0.00001):
    h = h.copy()
    log = np.array([])
    for i in range(ir):
        log = np.append(log, x)
        gx = gfx(x)
        h = rho*h + (1 - rho)*gx**2
        xNew = x-lamb*gx/(h**(1/2))
        if(sum(abs(x-xNew)) <th):
            break
        x = xNew
    log = log.reshape(len(log)//2, 2)
    return x, i, log


def adam(gfx, x, ir=1000, alpha = 0.1, beta1 = 0.9, beta2 = 0.999,
                epsilon = 10e-8, th=0.00001):
    m = 0
    v = 0
    t = 1
    log = np.array([])
    while t < ir:
        log = np.append(log, x)
        gx = gfx(x)
        m = beta1 * m + (1 - beta1) * gx
        v = beta2 * v + (1- beta2) * gx **2
        mh = m / (1 - beta1 ** t)  # m hat
        vh = v / (1 - beta2 ** t)  # v hat
        x_new = x - alpha * mh / (vh ** (1/2) + epsilon)
        if(sum(abs(x-x_new)) <th):
                break
        x = x_new
        t += 1
    log = log.reshape(len(log)//2, 2)
    return x, t, log
