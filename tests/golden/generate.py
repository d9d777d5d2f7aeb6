"""Golden trajectories from the reference implementations, for EcdPde's optimizer tests.

PyTorch's SGD (momentum, Nesterov, weight decay), Adam, AdamW and LBFGS (strong Wolfe), and the authors' BBI
(gbdl/BBI, inflation.py) with bounces switched off, all in float64 on 2-D Rosenbrock and 10-D Zakharov.
The authors' code is not part of this repository: pass the folder holding their inflation.py.

Usage: python3 generate.py FOLDER > optimizers.json, where FOLDER holds inflation.py from github.com/gbdl/BBI
(for example: git show HEAD:inflation.py > FOLDER/inflation.py in a clone). Needs python3-torch.
"""
import json, sys
import torch

sys.path.insert(0, sys.argv[1])
from inflation import BBI  # noqa: E402

torch.set_default_dtype(torch.float64)


def rosenbrock(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def zakharov(x):
    i = torch.arange(1, x.numel() + 1, dtype=x.dtype)
    w = 0.5 * torch.sum(i * x)
    return torch.sum(x ** 2) + w ** 2 + w ** 4


FUNCS = {"rosenbrock": (rosenbrock, [-1.2, 1.0]), "zakharov": (zakharov, [1.0] * 10)}


def trajectory(make, func, steps, closure_style=False):
    f, x0 = FUNCS[func]
    x = torch.tensor(x0, requires_grad=True)
    opt = make([x])
    thetas, losses = [], []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = f(x)
            loss.backward()
            return loss
        if closure_style:
            loss = opt.step(closure)
        else:
            loss = closure()
            opt.step(lambda: loss) if isinstance(opt, BBI) else opt.step()
        losses.append(float(loss))
        thetas.append(x.detach().tolist())
    return {"losses": losses, "thetas": thetas}


cases = []
def add(name, optimizer, settings, func, steps, make, closure_style=False):
    cases.append({"name": name, "optimizer": optimizer, "settings": settings, "function": func,
                  "x0": FUNCS[func][1], "steps": steps, **trajectory(make, func, steps, closure_style)})

add("sgd-momentum", "gdm", {"lr": "0.0005", "momentum": "0.9"}, "rosenbrock", 40,
    lambda p: torch.optim.SGD(p, lr=0.0005, momentum=0.9))
add("sgd-nesterov-wd", "gdm", {"lr": "0.0005", "momentum": "0.8", "nesterov": "true", "weightDecay": "0.1"}, "rosenbrock", 40,
    lambda p: torch.optim.SGD(p, lr=0.0005, momentum=0.8, nesterov=True, weight_decay=0.1))
add("sgd-dampening", "gdm", {"lr": "0.0005", "momentum": "0.7", "dampening": "0.3"}, "rosenbrock", 40,
    lambda p: torch.optim.SGD(p, lr=0.0005, momentum=0.7, dampening=0.3))
add("adam", "adam", {"lr": "0.01"}, "rosenbrock", 60, lambda p: torch.optim.Adam(p, lr=0.01))
add("adam-l2", "adam", {"lr": "0.01", "weightDecay": "0.05", "beta1": "0.8", "beta2": "0.99"}, "rosenbrock", 60,
    lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.05, betas=(0.8, 0.99)))
add("adamw", "adamw", {"lr": "0.01", "weightDecay": "0.1"}, "rosenbrock", 60,
    lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1))
add("bbi-zakharov", "bbi", {"lr": "0.0026036721489343054", "v0": "1e-22", "threshold0": "1e20", "threshold": "1e25",
                            "nFixedBounces": "0"}, "zakharov", 300,
    lambda p: BBI(p, lr=0.0026036721489343054, v0=1e-22, threshold0=int(1e20), threshold=int(1e25), n_fixed_bounces=0))
add("bbi-rosenbrock-deltaEn", "bbi", {"lr": "0.001", "v0": "-0.5", "deltaEn": "3", "threshold0": "1e20", "threshold": "1e25",
                                      "nFixedBounces": "0"}, "rosenbrock", 200,
    lambda p: BBI(p, lr=0.001, v0=-0.5, deltaEn=3.0, threshold0=int(1e20), threshold=int(1e25), n_fixed_bounces=0))
add("bbi-no-consEn", "bbi", {"lr": "0.001", "deltaEn": "1", "consEn": "false", "threshold0": "1e20", "threshold": "1e25",
                             "nFixedBounces": "0"}, "rosenbrock", 200,
    lambda p: BBI(p, lr=0.001, deltaEn=1.0, consEn=False, threshold0=int(1e20), threshold=int(1e25), n_fixed_bounces=0))
# Bounces are random in the authors' code; their schedule (which steps do not move θ) is not.
def bounce_schedule():
    f, x0 = FUNCS["rosenbrock"]
    x = torch.tensor(x0, requires_grad=True)
    opt = BBI([x], lr=0.0005, threshold0=6, threshold=int(1e25), n_fixed_bounces=3, deltaEn=1.0)
    still = []
    for k in range(40):
        before = x.detach().clone()
        opt.zero_grad(); loss = f(x); loss.backward(); opt.step(lambda: loss)
        if torch.equal(before, x.detach()):
            still.append(k)
    return still
lbfgs = torch.optim.LBFGS
add("lbfgs-strong-wolfe", "lbfgs", {"historySize": "10"}, "rosenbrock", 1,
    lambda p: lbfgs(p, lr=1, max_iter=200, history_size=10, line_search_fn="strong_wolfe",
                    tolerance_grad=1e-12, tolerance_change=1e-15), closure_style=True)

json.dump({"generator": "tests/golden/generate.py", "torch": torch.__version__, "cases": cases,
           "bbiFixedBounceSteps": {"settings": {"lr": "0.0005", "threshold0": "6", "threshold": "1e25", "nFixedBounces": "3",
                                                "deltaEn": "1"}, "function": "rosenbrock", "steps": 40,
                                   "stillSteps": bounce_schedule()}}, sys.stdout, indent=1)
