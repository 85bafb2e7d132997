"""Run every legacy-runtime check in one era and print a JSON report on the last line.

Usage: `python -W always era_probe.py ERA`. Each check is a function registered with
`@check`; its JSON-able return value (or the exception it raised) is reported with the
text of every warning it showed once the runtime's filters had applied.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings

ERA = sys.argv[1]

from migrator.legacy import LegacyUnsupported, at_most, install  # noqa: E402

install(ERA)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.autograd import Function, Variable  # noqa: E402
from torch.optim import lr_scheduler  # noqa: E402

torch.set_num_threads(1)

CHECKS = {}
_shown = []


def _record_warning(message, category, filename, lineno, file=None, line=None):
    _shown.append(f"{category.__name__}: {str(message).splitlines()[0]}")


warnings.showwarning = _record_warning


def check(function):
    """Register a check under its function name."""
    CHECKS[function.__name__] = function
    return function


def raised(error: BaseException) -> dict:
    return {"raised": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}


def close(a, b, tol=1e-6) -> bool:
    return bool(torch.allclose(a, b, atol=tol, rtol=tol))


def rounded(values, digits=6):
    return [round(float(v), digits) for v in values]


# --- autograd ---------------------------------------------------------------------------------


@check
def variable_volatile():
    v = Variable(torch.randn(4, 3), volatile=True)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    out = model(v)
    loss = nn.MSELoss()(out, Variable(torch.zeros(4, 2)))
    return {
        "input_volatile": v.volatile,
        "output_requires_grad": out.requires_grad,
        "output_volatile": out.volatile,
        "loss_requires_grad": loss.requires_grad,
        "numpy_ok": out.numpy().shape == (4, 2) if not out.requires_grad else False,
        "isinstance": isinstance(out, Variable),
    }


@check
def variable_positional_volatile():
    v = Variable(torch.ones(2), False, True)
    return [v.volatile, v.requires_grad]


@check
def volatile_assignment():
    v = Variable(torch.ones(2))
    v.volatile = True
    return v.volatile


@check
def variable_requires_grad():
    x = torch.ones(3)
    v = Variable(x, requires_grad=True)
    x.add_(1)
    return [v.requires_grad, v.is_leaf, x.requires_grad, v.tolist()]


@check
def creator():
    x = Variable(torch.ones(2), requires_grad=True)
    y = x * 2
    return [y.creator is y.grad_fn, x.creator is None]


@check
def retain_variables():
    x = Variable(torch.ones(2), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_variables=True)
    y.backward()
    return x.grad.tolist()


@check
def autograd_backward_variables():
    x = Variable(torch.ones(2), requires_grad=True)
    y = (3 * x).sum()
    seed = torch.ones(1) if at_most(ERA, "0.3") else torch.ones(())
    torch.autograd.backward(variables=[y], grad_variables=[seed])
    return x.grad.tolist()


@check
def backward_gradient_of_one_element():
    x = Variable(torch.ones(2), requires_grad=True)
    y = (2 * x).sum()
    y.backward(torch.ones(1))
    return x.grad.tolist()


class Scale(Function):
    """An old-style Function: state in __init__, two inputs, needs_input_grad."""

    def __init__(self, factor):
        super(Scale, self).__init__()
        self.factor = factor

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b * self.factor

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_a = grad * b * self.factor if self.needs_input_grad[0] else None
        grad_b = grad * a * self.factor if self.needs_input_grad[1] else None
        return grad_a, grad_b


class AddOneInPlace(Function):
    def forward(self, x):
        x.add_(1)
        self.mark_dirty(x)
        return x

    def backward(self, grad):
        return grad


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


@check
def legacy_function():
    a = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
    b = Variable(torch.tensor([3.0, 4.0]))
    out = Scale(2.0)(a, b)
    out.sum().backward()
    return {"out": out.tolist(), "grad_a": a.grad.tolist(), "grad_b": b.grad}


@check
def legacy_function_reused_instance():
    f = Scale(3.0)
    a = Variable(torch.ones(2), requires_grad=True)
    y1 = f(a, Variable(torch.ones(2)))
    y2 = f(a, Variable(2 * torch.ones(2)))
    (y1.sum() + y2.sum()).backward()
    return a.grad.tolist()


@check
def legacy_function_mark_dirty():
    x = Variable(torch.zeros(2), requires_grad=True) * 1
    y = AddOneInPlace()(x)
    y.sum().backward()
    return y.tolist()


class Doubler(Function):
    def forward(self, x):
        return x * 2

    def backward(self, grad):
        return grad * 2


@check
def legacy_function_grad_fn_name():
    # a migration makes `Doubler` new-style, whose graph nodes are `DoublerBackward`
    y = Doubler()(Variable(torch.ones(2), requires_grad=True))
    z = Scale(2.0)(y, y)
    return [type(y.grad_fn).__name__, y.grad_fn.name(), "grad_fn=<DoublerBackward>" in repr(y), type(z.grad_fn).__name__]


@check
def new_style_function_called_on_instance():
    x = Variable(torch.tensor([3.0]), requires_grad=True)
    y = Square()(x)
    y.backward(torch.ones_like(y))
    return [y.tolist(), x.grad.tolist()]


@check
def reinforce():
    probs = Variable(torch.tensor([[0.5, 0.5]]), requires_grad=True)
    action = probs.multinomial(1)
    try:
        action.reinforce(1.0)
    except LegacyUnsupported as error:
        return str(error)
    return "no error"


@check
def stochastic_function_import():
    try:
        import torch.autograd.stochastic_function  # noqa: F401
    except ImportError as error:
        return {"unsupported": isinstance(error, LegacyUnsupported), "message": str(error)}
    return "imported"


@check
def multinomial_default():
    return list(torch.tensor([0.2, 0.8]).multinomial().shape)


# --- scalars ------------------------------------------------------------------------------------


def _loss():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    return F.mse_loss(model(Variable(torch.randn(4, 3))), Variable(torch.randn(4, 1)))


@check
def loss_data_index():
    loss = _loss()
    item = loss.data[0]
    return {"type": type(item).__name__, "equal": float(item) == loss.item()}


@check
def loss_numpy_and_tolist_index():
    loss = _loss()
    return [float(loss.data.numpy()[0]) == loss.item(), loss.data.tolist()[0] == loss.item(), list(loss.data.numpy().shape)]


@check
def loss_index_keeps_graph():
    loss = _loss()
    first = loss[0]
    return {"type": type(first).__name__, "requires_grad": first.requires_grad, "last": float(loss[-1]) == loss.item()}


@check
def print_loss_data():
    loss = _loss()
    legacy, modern = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(legacy):
        print(3, loss.data[0], "%.4f" % loss.data[0])
    with contextlib.redirect_stdout(modern):
        print(3, loss.item(), "%.4f" % loss.item())
    return [legacy.getvalue(), modern.getvalue()]


@check
def reduction_index():
    return type(torch.ones(3).sum()[0]).__name__


@check
def tensor_element():
    t = torch.tensor([1.5, 2.5])
    m = torch.ones(2, 2)
    return [type(t[1]).__name__, type(m.data[0][0]).__name__, type(Variable(t)[0]).__name__]


@check
def tensor_iteration():
    return [type(v).__name__ for v in torch.tensor([1, 2])]


@check
def element_index_from_torch_code():
    namespace = {"__name__": "torch.fake_internal", "t": torch.tensor([1.0, 2.0])}
    exec("r = type(t[0]).__name__", namespace)
    return namespace["r"]


@check
def cat_of_scalars():
    loss = _loss()
    return list(torch.cat([loss, loss]).shape)


# --- linear algebra -------------------------------------------------------------------------------


def _spd():
    torch.manual_seed(0)
    A = torch.randn(4, 4, dtype=torch.float64) + 4 * torch.eye(4, dtype=torch.float64)
    B = torch.randn(4, 2, dtype=torch.float64)
    return A, B, A @ A.T


@check
def gesv():
    A, B, _ = _spd()
    X, LU = torch.gesv(B, A)
    return {
        "solution": torch.equal(X, torch.linalg.solve(A, B)),
        "lu": torch.equal(LU, torch.linalg.lu_factor(A).LU),
        "method": torch.equal(B.gesv(A)[0], X),
        "solve": torch.equal(torch.solve(B, A).solution, X),
    }


@check
def gels():
    torch.manual_seed(1)
    A = torch.randn(6, 3, dtype=torch.float64)
    B = torch.randn(6, 2, dtype=torch.float64)
    X, QR = torch.gels(B, A)
    residual = ((A @ X[:3] - B) ** 2).sum(0)
    wide = torch.randn(2, 4, dtype=torch.float64)
    rhs = torch.randn(2, 1, dtype=torch.float64)
    Xw, _ = torch.lstsq(rhs, wide)
    return {
        "shape": list(X.shape),
        "solution": close(X[:3], torch.linalg.pinv(A) @ B),
        "residual_rows": close((X[3:] ** 2).sum(0), residual),
        "qr": torch.equal(QR, torch.geqrf(A)[0]),
        "min_norm_shape": list(Xw.shape),
        "min_norm": close(Xw, torch.linalg.pinv(wide) @ rhs),
    }


@check
def symeig():
    torch.manual_seed(2)
    N = torch.randn(4, 4, dtype=torch.float64)
    upper = torch.triu(N) + torch.triu(N, 1).T
    e, V = torch.symeig(N)
    e_lower, _ = N.symeig(False, False)
    e_vec, V_vec = torch.symeig(N, eigenvectors=True)
    return {
        "upper_triangle": close(e, torch.linalg.eigvalsh(upper)),
        "lower_when_asked": close(e_lower, torch.linalg.eigvalsh(N)),
        "no_vectors_shape": list(V.shape),
        "no_vectors_zero": bool((V == 0).all()) if V.numel() else True,
        "vectors": close(upper @ V_vec, V_vec * e_vec),
    }


@check
def eig():
    R = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 2]], dtype=torch.float64)
    e, v = torch.eig(R, True)
    w = torch.complex(v[:, 0], v[:, 1])
    e_only, v_empty = R.eig()
    return {
        "values": e.tolist(),
        "pair_packing": close(torch.view_as_real(R.to(torch.complex128) @ w), torch.view_as_real(1j * w)),
        "real_vector": close(R @ v[:, 2], 2 * v[:, 2]),
        "without_vectors": [e_only.tolist(), v_empty.numel()],
    }


@check
def cholesky_family():
    _, B, S = _spd()
    U = torch.potrf(S)
    L = torch.potrf(S, upper=False)
    return {
        "upper": torch.equal(U, torch.triu(U)) and close(U.T @ U, S),
        "lower": torch.equal(L, torch.tril(L)) and close(L @ L.T, S),
        "method": torch.equal(S.potrf(), U),
        "potri": close(torch.potri(U), torch.inverse(S)),
        "potrs": close(torch.potrs(B, U), torch.inverse(S) @ B),
        "potrs_method": close(B.potrs(U), torch.inverse(S) @ B),
    }


@check
def pstrf():
    _, _, S = _spd()
    try:
        torch.pstrf(S)
    except LegacyUnsupported as error:
        return str(error)
    return "no error"


@check
def trtrs():
    A, B, _ = _spd()
    T = torch.triu(A)
    X, T_copy = torch.trtrs(B, T)
    Xt, _ = torch.trtrs(B, T, transpose=True)
    Xl, _ = B.trtrs(torch.tril(A), False)
    return {
        "solve": close(X, torch.inverse(T) @ B),
        "copy": torch.equal(T_copy, T) and T_copy.data_ptr() != T.data_ptr(),
        "transpose": close(Xt, torch.inverse(T.T) @ B),
        "lower": close(Xl, torch.inverse(torch.tril(A)) @ B),
    }


@check
def btrifact_family():
    torch.manual_seed(3)
    A = torch.randn(2, 3, 3, dtype=torch.float64) + 3 * torch.eye(3, dtype=torch.float64)
    b = torch.randn(2, 3, dtype=torch.float64)
    LU, pivots = torch.btrifact(A)
    LU2, pivots2, info = torch.btrifact_with_info(A)
    x = torch.btrisolve(b, LU, pivots)
    P, L, U = torch.btriunpack(LU, pivots)
    return {
        "pivots": str(pivots.dtype),
        "with_info": torch.equal(LU, LU2) and info.tolist() == [0, 0],
        "solve": close(torch.bmm(A, x.unsqueeze(-1)).squeeze(-1), b),
        "method": close(b.btrisolve(*A.btrifact()), x),
        "unpack": close(P @ L @ U, A),
    }


@check
def matrix_rank():
    D = torch.diag(torch.tensor([1.0, 0.6, 0.4], dtype=torch.float64))
    return [torch.matrix_rank(D, 0.5).item(), torch.matrix_rank(D).item(), torch.matrix_rank(torch.ones(3, 2)).item()]


@check
def fft():
    torch.manual_seed(4)
    x = torch.randn(8, dtype=torch.float64)
    c = torch.randn(8, 2, dtype=torch.float64)
    spectrum = torch.rfft(x, 1)
    return {
        "rfft": torch.equal(spectrum, torch.view_as_real(torch.fft.rfftn(x, dim=(-1,)))),
        "irfft": close(torch.irfft(spectrum, 1, signal_sizes=(8,)), x),
        "normalized": close(torch.rfft(x, 1, normalized=True), spectrum / 8 ** 0.5),
        "callable": close(torch.ifft(torch.fft(c, 1), 1), c),
        "module": list(torch.fft.fft(x).shape),
    }


@check
def stft():
    signal = torch.randn(64)
    real = torch.stft(signal, 16)
    return [list(real.shape), real.dtype == torch.float32, list(signal.stft(16, return_complex=True).shape)]


# --- functional -----------------------------------------------------------------------------------


@check
def dropout_default():
    torch.manual_seed(0)
    x = torch.ones(1000)
    explicit = nn.Dropout(0.5).train()(x)
    return {"functional_zeros": int((F.dropout(x, 0.5) == 0).sum()), "module_zeros": int((explicit == 0).sum()) > 0}


@check
def upsample_bilinear():
    x = torch.arange(4.0).view(1, 1, 2, 2)
    return {
        "functional": rounded(F.upsample(x, scale_factor=2, mode="bilinear")[0, 0, 0]),
        "module": rounded(nn.Upsample(scale_factor=2, mode="bilinear")(x)[0, 0, 0]),
        "explicit": rounded(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)[0, 0, 0]),
    }


@check
def interpolate_fractional_scale():
    y = torch.arange(9.0).view(1, 1, 3, 3)
    return rounded(F.interpolate(y, scale_factor=1.5, mode="bilinear", align_corners=False)[0, 0, 0])


@check
def grid_sampling():
    theta = torch.tensor([[[1.0, 0, 0], [0, 1, 0]]])
    grid = F.affine_grid(theta, (1, 1, 2, 2))
    image = torch.arange(4.0).view(1, 1, 2, 2)
    return {
        "affine_grid": rounded(grid[0, 0, 0]),
        "grid_sample": rounded(F.grid_sample(image, grid).view(-1)),
        "explicit": rounded(F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)[0, 0, 0]),
    }


@check
def softmax_implicit_dim():
    return [rounded(F.softmax(torch.zeros(2, 3)).sum(1)), rounded(F.log_softmax(torch.zeros(2, 3, 4)).exp().sum(0).view(-1)[:2])]


@check
def sigmoid_tanh():
    x = torch.randn(5)
    return [torch.equal(F.sigmoid(x), torch.sigmoid(x)), torch.equal(F.tanh(x), torch.tanh(x))]


@check
def embedding_positional():
    torch.manual_seed(0)
    weight = torch.randn(4, 3) * 10
    legacy = F.embedding(torch.tensor([1]), weight, 1.0)
    module = nn.Embedding(4, 3, padding_idx=0)(torch.tensor([0, 1]))
    return [round(legacy.norm().item(), 4), module[0].abs().sum().item()]


# --- losses ---------------------------------------------------------------------------------------


@check
def reduction_flags():
    a, b = torch.ones(2, 2), torch.zeros(2, 2)
    return {
        "size_average_false": nn.MSELoss(size_average=False)(a, b).item(),
        "reduce_false": list(nn.MSELoss(reduce=False)(a, b).shape),
        "positional": F.mse_loss(a, b, False).item(),
        "nll_positional": F.nll_loss(torch.zeros(2, 3), torch.tensor([0, 1]), None, False).item(),
    }


@check
def size_average_toggle():
    criterion = nn.MSELoss()
    before = criterion.size_average if at_most(ERA, "0.4") else None
    criterion.size_average = False
    return [before, criterion(torch.ones(2, 2), torch.zeros(2, 2)).item()]


@check
def pointwise_shape_mismatch():
    return round(F.mse_loss(torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([1.0, 2.0, 3.0])).item(), 6)


@check
def quiet_losses():
    nn.KLDivLoss()(torch.zeros(2, 2), torch.ones(2, 2))
    nn.NLLLoss2d()(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
    F.l1_loss(torch.ones(2), torch.zeros(2), reduction="elementwise_mean")
    return True


# --- init -----------------------------------------------------------------------------------------


@check
def init_without_underscore():
    torch.manual_seed(0)
    a = torch.empty(3, 3)
    returned = nn.init.xavier_uniform(a)
    torch.manual_seed(0)
    same_values = torch.equal(returned, nn.init.xavier_uniform_(torch.empty(3, 3)))
    nn.init.constant(a, 0.5)
    nn.init.kaiming_normal(torch.empty(2, 2))
    return [returned is a, same_values, a.unique().tolist()]


@check
def clip_grad_norm():
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.tensor([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm([p], 1.0)
    return [type(total).__name__, round(float(total), 6), rounded(p.grad)]


# --- optim ----------------------------------------------------------------------------------------


def _lr_sequence(make, at_start=True, epochs=5):
    p = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=1.0)
    scheduler = make(optimizer)
    seen = []
    for _ in range(epochs):
        if at_start:
            scheduler.step()
        seen.append(round(optimizer.param_groups[0]["lr"], 6))
        optimizer.step()
        if not at_start:
            scheduler.step()
    return seen


@check
def step_lr_at_epoch_start():
    return _lr_sequence(lambda o: lr_scheduler.StepLR(o, 2, 0.1))


@check
def step_lr_at_epoch_end():
    return _lr_sequence(lambda o: lr_scheduler.StepLR(o, 2, 0.1), at_start=False)


@check
def other_schedulers_at_epoch_start():
    return {
        "exponential": _lr_sequence(lambda o: lr_scheduler.ExponentialLR(o, 0.5)),
        "cosine": _lr_sequence(lambda o: lr_scheduler.CosineAnnealingLR(o, 4)),
        "lambda": _lr_sequence(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1.0 / (e + 1))),
        "multistep": _lr_sequence(lambda o: lr_scheduler.MultiStepLR(o, [1, 3], 0.1)),
    }


@check
def get_lr_outside_step():
    p = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, 2, 0.1)
    for _ in range(2):
        optimizer.step()
        scheduler.step()
    return [rounded(scheduler.get_lr()), round(optimizer.param_groups[0]["lr"], 6)]


@check
def scheduler_verbose():
    p = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=1.0)
    plateau = lr_scheduler.ReduceLROnPlateau(optimizer, "min", 0.5, 3, True)
    step = lr_scheduler.StepLR(optimizer, 2, 0.1, -1, True)
    keyword = lr_scheduler.ExponentialLR(optimizer, 0.9, verbose=True)
    return [plateau.threshold, plateau.patience, plateau.factor, step.step_size, keyword.gamma]


@check
def zero_grad_in_place():
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.zero_grad()
    from_optimizer = model.weight.grad
    model(torch.ones(1, 2)).sum().backward()
    model.zero_grad()
    return [None if from_optimizer is None else from_optimizer.tolist(), None if model.bias.grad is None else model.bias.grad.tolist()]


@check
def step_between_backwards():
    torch.manual_seed(0)
    D = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(D.parameters(), lr=0.1)
    x = Variable(torch.ones(1, 2), requires_grad=True)
    out = D(x).sum()
    out.backward(retain_graph=True)
    first = x.grad.clone()
    optimizer.step()
    try:
        out.backward()
    except RuntimeError as error:
        return raised(error)
    return {"second_uses_new_weights": close(x.grad - first, D.weight.data.view(-1)), "grad": rounded(x.grad.view(-1))}


@check
def optimizer_trajectories():
    out = {}
    for name, make in {
        "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    }.items():
        p = nn.Parameter(torch.tensor([1.0, -2.0]))
        optimizer = make([p])
        for _ in range(4):
            optimizer.zero_grad()
            (p * p).sum().backward()
            optimizer.step()
        out[name] = [v.hex() for v in p.data.tolist()]
        out[name + "_state_keyed_by_param"] = list(optimizer.state.keys())[0] is p
    return out


# --- devices --------------------------------------------------------------------------------------


@check
def cuda_on_cpu():
    x = torch.ones(2)
    model = nn.Linear(2, 1)
    torch.cuda.set_device(0)
    torch.cuda.synchronize()
    with torch.cuda.device(0):
        pass
    return {
        "tensor": x.cuda() is x and x.cuda(0, True) is x and x.cuda(device_id=0) is x and x.cuda(**{"async": True}) is x,
        "module": model.cuda() is model and model.cuda(device_id=0) is model,
        "types": [str(torch.cuda.FloatTensor(2).dtype), str(torch.cuda.LongTensor([1]).dtype)],
        "cast": [str(x.type("torch.cuda.LongTensor").dtype), str(x.type(torch.cuda.DoubleTensor).dtype), x.type()],
        "pin_memory": x.pin_memory() is x,
        "current_device": torch.cuda.current_device(),
    }


@check
def default_tensor_type_cuda():
    torch.set_default_tensor_type("torch.cuda.DoubleTensor")
    dtype = torch.tensor([1.0]).dtype
    torch.set_default_tensor_type(torch.FloatTensor)
    return str(dtype)


# --- data -----------------------------------------------------------------------------------------


@check
def tensor_dataset_keywords():
    from torch.utils.data import TensorDataset

    dataset = TensorDataset(data_tensor=torch.arange(6.0).view(3, 2), target_tensor=torch.tensor([0, 1, 0]))
    x, y = dataset[1]
    return [len(dataset), x.tolist(), int(y)]


@check
def six_module():
    from torch._six import container_abcs, inf, int_classes, string_classes

    return [string_classes == (str, bytes), int_classes is int, inf == float("inf"), container_abcs.Mapping is not None]


@check
def numpy_aliases():
    return [np.float(1.5), np.int(2.7), np.asscalar(np.array([3.5])), np.float is float]


@check
def load_full_pickle():
    buffer = io.BytesIO()
    torch.save({"model": nn.Linear(2, 1), "step": np.float64(1.5)}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    return [type(checkpoint["model"]).__name__, float(checkpoint["step"])]


# --- masks, division, reductions ------------------------------------------------------------------


@check
def uint8_masks():
    x = torch.tensor([1.0, -1.0, 2.0])
    mask = (x > 0).byte()
    y = x.clone()
    y[mask] = 0
    return {
        "masked_fill": x.masked_fill(mask, 9).tolist(),
        "masked_fill_": x.clone().masked_fill_(mask, 9).tolist(),
        "masked_select": x.masked_select(mask).tolist(),
        "setitem": y.tolist(),
        "getitem": x[mask].tolist(),
    }


@check
def one_minus_comparison():
    try:
        inverted = 1 - (torch.tensor([1.0, -1.0, 2.0]) > 0)
    except RuntimeError as error:
        return raised(error)
    return [inverted.tolist(), str(inverted.dtype)]


@check
def integer_division():
    a = torch.tensor([5, -5])
    b = a.clone()
    try:
        b /= 2
        in_place = b.tolist()
    except RuntimeError as error:
        in_place = raised(error)
    return {
        "operator": (a / 2).tolist(),
        "tensor_tensor": (a / torch.tensor([2, 2])).tolist(),
        "function": torch.div(a, 2).tolist(),
        "method": a.div(2).tolist(),
        "reflected": (7 / torch.tensor([2, -2])).tolist(),
        "in_place": in_place,
        "float": (torch.tensor([5.0, -5.0]) / 2).tolist(),
    }


@check
def division_of_counts():
    correct = torch.tensor([1, 1, 0, 1]).sum()
    return [float(correct / 8), float(-correct // 2)]


@check
def floor_division():
    a = torch.tensor([5, -5])
    return [(a // 2).tolist(), (torch.tensor([-5.0]) // 2).tolist(), torch.floor_divide(a, 2).tolist()]


@check
def keepdim_default():
    x = torch.ones(2, 3)
    namespace = {"__name__": "torch.fake_internal", "x": x}
    exec("r = list(x.sum(1).shape)", namespace)
    return {
        "method": list(x.sum(1).shape),
        "function": list(torch.sum(x, 0).shape),
        "max": list(x.max(1)[0].shape),
        "explicit": list(x.sum(1, keepdim=False).shape),
        "elementwise_max": list(x.max(x).shape),
        "torch_code": namespace["r"],
    }


def main() -> None:
    report = {}
    for name, function in CHECKS.items():
        del _shown[:]
        try:
            value = function()
        except Exception as error:  # reported, the test decides whether it was expected
            value = raised(error)
        report[name] = {"value": value, "warnings": list(_shown)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
