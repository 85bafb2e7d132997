"""The Variable/autograd family (TM101-TM111) beyond the rules' inline examples.

The rewriting tests are pure; the ones marked `torch` run the rewritten code and compare
gradients and printed numbers with a reference and with the legacy runtime.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "catalog_autograd_function" / "legacy.py"


def fix(source: str, select=("TM1",), unsafe: bool = True) -> str:
    result = fix_source(textwrap.dedent(source).encode(), Settings(select=tuple(select), unsafe_fixes=unsafe))
    assert result.error is None, result.error
    return result.output.decode()


def found(source: str, code: str, select=("TM1",)):
    result = check_source(textwrap.dedent(source).encode(), Settings(select=tuple(select), unsafe_fixes=True))
    return [f for f in result.remaining if f.code == code]


def unchanged(source: str, select=("TM1",)) -> bool:
    return fix(source, select) == textwrap.dedent(source)


# --- TM101: Variable(x) -------------------------------------------------------------------------

LATER_ERA_TARGET = """\
import torch
from torch.autograd import Variable
target = Variable(net(x + 1))
fresh = Variable(torch.zeros(3))
asked = Variable(torch.zeros(3, requires_grad=True))
print(loss.item())
"""


def test_variable_of_what_may_require_grad_is_an_unsafe_fix_after_0_3():
    """0.4-1.x code: `Variable(x)` detached `x`, so dropping it is exact only if `x` never requires grad."""
    findings = found(LATER_ERA_TARGET, "TM101")
    assert [(f.line, f.safety.value) for f in findings] == [(3, "unsafe"), (4, "safe"), (5, "unsafe")]
    assert "detaches" in findings[0].message
    safe = fix(LATER_ERA_TARGET, unsafe=False)
    assert "target = Variable(net(x + 1))" in safe and "fresh = torch.zeros(3)" in safe
    assert "asked = Variable(torch.zeros(3, requires_grad=True))" in safe


def test_variable_of_anything_is_a_safe_fix_in_0_3_code():
    """<= 0.3: the argument had to be a plain tensor, which never required grad."""
    source = LATER_ERA_TARGET.replace("print(loss.item())", "print(loss.data[0])")
    assert {f.safety.value for f in found(source, "TM101")} == {"safe"}
    assert "target = net(x + 1)" in fix(source, unsafe=False)


# --- TM103: volatile ---------------------------------------------------------------------------


def test_volatile_two_calls_share_one_region():
    source = """\
        import torch
        from torch.autograd import Variable
        for x, y in batches:
            x, y = Variable(x, volatile=True), Variable(y, volatile=True)
            print(model(x), y)
        """
    assert len(found(source, "TM103")) == 2
    assert fix(source) == textwrap.dedent(
        """\
        import torch
        with torch.no_grad():
            for x, y in batches:
                print(model(x), y)
        """
    )


def test_volatile_region_is_the_rest_of_the_block():
    source = """\
        import torch
        from torch.autograd import Variable
        def run(model, x):
            model.eval()
            # evaluate
            v = Variable(x, volatile=True)
            out = model(v)
            return out.data
        """
    assert fix(source) == textwrap.dedent(
        """\
        import torch
        def run(model, x):
            model.eval()
            # evaluate
            with torch.no_grad():
                v = x
                out = model(v)
                return out.data
        """
    )


def test_volatile_in_inner_loop_wraps_only_that_loop():
    source = """\
        import torch
        from torch.autograd import Variable
        for epoch in range(2):
            train()
            for x in batches:
                x = Variable(x, volatile=True)
                print(model(x))
            print('done')
        """
    assert fix(source) == textwrap.dedent(
        """\
        import torch
        for epoch in range(2):
            train()
            with torch.no_grad():
                for x in batches:
                    print(model(x))
            print('done')
        """
    )


def test_volatile_unwrapping_keeps_precedence():
    source = """\
        import torch
        from torch.autograd import Variable
        s = Variable(a + b, volatile=True).sum()
        """
    assert fix(source) == "import torch\nwith torch.no_grad():\n    s = (a + b).sum()\n"


def test_volatile_inside_an_if_block():
    source = """\
        import torch
        from torch.autograd import Variable
        if evaluate:
            v = Variable(x, volatile=True)
            print(model(v))
        print('after')
        """
    assert fix(source) == textwrap.dedent(
        """\
        import torch
        if evaluate:
            with torch.no_grad():
                v = x
                print(model(v))
        print('after')
        """
    )


@pytest.mark.parametrize(
    "source, reason",
    [
        pytest.param(
            """\
            from torch.autograd import Variable
            def batches(xs):
                for x in xs:
                    v = Variable(x, volatile=True)
                    yield model(v)
            """,
            "yields",
            id="generator",
        ),
        pytest.param(
            "from torch.autograd import Variable\npredict = lambda x: model(Variable(x, volatile=True))\n",
            "lazily",
            id="lambda",
        ),
        pytest.param(
            "from torch.autograd import Variable\nclass Config:\n    probe = Variable(x, volatile=True)\n",
            "class body",
            id="class-body",
        ),
        pytest.param(
            "from torch.autograd import Variable\nv = Variable(x, volatile=True)\ndef f():\n    return model(v)\n",
            "defines a function",
            id="module-level-def",
        ),
        pytest.param(
            "from torch.autograd import Variable\nv = Variable(x, volatile=True)\nw = Variable(torch.randn(3), requires_grad=True)\n",
            "requires grad",
            id="requires-grad",
        ),
        pytest.param(
            "from torch.autograd import Variable\nfor x in xs:\n    v = Variable(x, volatile=True)\n    print(model(v).requires_grad)\n",
            "requires_grad",
            id="reads-requires-grad",
        ),
        pytest.param(
            "import torch\nfrom torch.autograd import Variable\nfor x in xs:\n    v = Variable(x, volatile=True)\n    g = torch.autograd.grad(model(v), params)\n",
            "torch.autograd.grad",
            id="autograd-grad",
        ),
    ],
)
def test_volatile_refused_regions_are_reported(source, reason):
    findings = found(source, "TM103")
    assert findings and all(f.safety.value == "none" for f in findings)
    assert reason in findings[0].message
    assert unchanged(source, select=("TM103",))


def test_volatile_fix_is_unsafe():
    source = "import torch\nfrom torch.autograd import Variable\nfor x in xs:\n    x = Variable(x, volatile=True)\n    print(model(x))\n"
    assert fix(source, unsafe=False) == source
    assert [f.safety.value for f in found(source, "TM103")] == ["unsafe"]


def test_volatile_composes_with_variable_wrapper_and_other_families():
    source = """\
        import torch
        import torch.nn.functional as F
        from torch.autograd import Variable
        def test(model, loader):
            total = 0
            for data, target in loader:
                data, target = Variable(data, volatile=True), Variable(target.long())
                total += F.nll_loss(model(data), target, size_average=False).data[0]
            return total
        """
    assert fix(source, select=("TM",)) == textwrap.dedent(
        """\
        import torch
        import torch.nn.functional as F
        def test(model, loader):
            total = 0
            with torch.no_grad():
                for data, target in loader:
                    data, target = data, target.long()
                    total += F.nll_loss(model(data), target, reduction='sum').item()
            return total
        """
    )


# --- TM102, TM104-TM108 ------------------------------------------------------------------------


def test_isinstance_through_torch_autograd_variable_module_path():
    source = "import torch\nok = isinstance(x, torch.autograd.variable.Variable)\n"
    assert fix(source) == "import torch\nok = isinstance(x, torch.Tensor)\n"


def test_type_is_variable_reported_both_ways():
    assert found("from torch.autograd import Variable\nok = Variable is type(x)\n", "TM102")
    assert found("from torch.autograd import Variable\nok = type(x) is not Variable\n", "TM102")
    assert not found("from torch.autograd import Variable\nok = type(x) is int\n", "TM102")


def test_volatile_attribute_of_unknown_receiver_is_report_only():
    source = "import torch\ndef f(x):\n    x.volatile = False\n"
    assert [f.safety.value for f in found(source, "TM104")] == ["none"]
    assert unchanged(source)


def test_creator_left_alone_as_assignment_target():
    source = "import torch\nclass Node:\n    pass\nn = Node()\nn.creator = 'me'\nprint(n.creator)\n"
    assert not found(source, "TM105")


def test_retain_variables_on_torch_autograd_backward_even_with_own_backward_method():
    source = """\
        import torch
        class Layer:
            def backward(self, g, retain_variables=False):
                return g
        torch.autograd.backward([l], retain_variables=True)
        layer.backward(g, retain_variables=True)
        """
    assert fix(source) == textwrap.dedent(source).replace("[l], retain_variables", "[l], retain_graph")


def test_backward_keywords_and_retain_variables_on_one_call():
    source = "import torch\ntorch.autograd.backward(variables=[l], grad_variables=[g], retain_variables=True)\n"
    assert fix(source) == "import torch\ntorch.autograd.backward(tensors=[l], grad_tensors=[g], retain_graph=True)\n"


def test_only_inputs_runtime_value_is_reported():
    source = "import torch\ng = torch.autograd.grad(y, x, only_inputs=flag)\n"
    assert found(source, "TM108") and unchanged(source)


# --- TM109 / TM110: Function classes -----------------------------------------------------------

LEGACY_SCALE = textwrap.dedent(
    """\
    import torch
    from torch.autograd import Function

    class Scale(Function):
        def __init__(self, factor):
            super(Scale, self).__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def backward(self, g):
            return g * self.factor
    """
)


def test_init_arguments_make_the_whole_rewrite_unsafe_and_atomic():
    source = LEGACY_SCALE + "y = Scale(2.0)(x)\n"
    assert fix(source, unsafe=False) == textwrap.dedent(source)
    findings = found(source, "TM109")
    assert len(findings) == 2 and {f.safety.value for f in findings} == {"unsafe"}


def test_function_and_nested_call_site_change_together_with_other_rules():
    source = LEGACY_SCALE + "import torch.nn.functional as F\nloss = F.nll_loss(Scale(2.0)(x), y, size_average=False)\n"
    out = fix(source, select=("TM",))
    assert "loss = F.nll_loss(Scale.apply(x, 2.0), y, reduction='sum')\n" in out
    assert "def forward(ctx, x, factor):\n        ctx.factor = factor\n" in out
    assert "return g * ctx.factor, None\n" in out


def test_class_constants_and_docstring_prologue():
    source = """\
        import torch

        class Clip(torch.autograd.Function):
            LIMIT = 3.0

            def __init__(self, scale=1.0):
                self.scale = scale

            def forward(self, x):
                \"\"\"Clip, then scale.\"\"\"
                self.save_for_backward(x)
                return x.clamp(-self.LIMIT, self.LIMIT) * self.scale

            def backward(self, g):
                x, = self.saved_tensors
                return g * (x.abs() <= self.LIMIT).type_as(g) * self.scale

        a = Clip()(x)
        b = Clip(scale=0.5)(x)
        """
    out = fix(source)
    assert '    def forward(ctx, x, scale=1.0):\n        """Clip, then scale."""\n        ctx.scale = scale\n        ctx.save_for_backward(x)\n' in out
    assert "x.clamp(-Clip.LIMIT, Clip.LIMIT) * ctx.scale" in out
    assert "a = Clip.apply(x)\nb = Clip.apply(x, 0.5)\n" in out


def test_instance_stored_on_a_module_without_init_arguments():
    source = """\
        import torch

        class MyReLU(torch.autograd.Function):
            def forward(self, x):
                self.save_for_backward(x)
                return x.clamp(min=0)

            def backward(self, g):
                x, = self.saved_tensors
                return g * (x > 0).type_as(g)

        class Net(torch.nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.relu = MyReLU()

            def forward(self, x):
                return self.relu(x)
        """
    out = fix(source, unsafe=False)
    assert "self.relu = MyReLU.apply\n" in out and "def forward(ctx, x):" in out


def test_function_called_inside_another_function_class():
    source = """\
        import torch

        class Inner(torch.autograd.Function):
            def forward(self, x):
                return x * 2

            def backward(self, g):
                return g * 2

        class Outer(torch.autograd.Function):
            def forward(self, x):
                return Inner()(x) + 1

            def backward(self, g):
                return g * 2

        y = Outer()(x)
        """
    out = fix(source)
    assert "return Inner.apply(x) + 1" in out and "y = Outer.apply(x)" in out
    assert out.count("@staticmethod") == 4


@pytest.mark.parametrize(
    "tail, reason",
    [
        pytest.param("f = Scale(2.0)\ny = f(x)\nz = f(y)\n", "called more than once", id="instance-reused"),
        pytest.param("fn = Scale\n", "used other than by calling", id="as-value"),
        pytest.param("net.act = Scale(2.0)\ny = net.act(x)\n", "stored in `.act`", id="stored-with-arguments"),
        pytest.param("y = Scale(2.0)(x, k=1)\n", "keywords", id="keyword-inputs"),
        pytest.param("y = Scale()(x)\n", "required argument", id="missing-argument"),
        pytest.param("f = Scale(k)\nk = 3\ny = f(x)\n", "right after", id="argument-may-change"),
    ],
)
def test_unrecognised_uses_are_reported(tail, reason):
    source = LEGACY_SCALE + tail
    findings = found(source, "TM109")
    assert len(findings) == 1 and findings[0].safety.value == "none"
    assert reason in findings[0].message, findings[0].message
    assert unchanged(source)


@pytest.mark.parametrize(
    "body, reason",
    [
        pytest.param(
            "    def forward(self, x):\n        return self.helper(x)\n\n    def helper(self, x):\n        return x\n\n"
            "    def backward(self, g):\n        return g\n",
            "self.helper",
            id="method-call",
        ),
        pytest.param(
            "    def forward(self, x):\n        self.name = 'f'\n        return x\n\n    def backward(self, g):\n        return g\n",
            "clash",
            id="reserved-name",
        ),
        pytest.param(
            "    def forward(self, x):\n        return helper(self, x)\n\n    def backward(self, g):\n        return g\n",
            "other than through its attributes",
            id="bare-self",
        ),
        pytest.param(
            "    def forward(self, x):\n        ctx = 1\n        return x\n\n    def backward(self, g):\n        return g\n",
            "ctx",
            id="ctx-name",
        ),
        pytest.param(
            "    @staticmethod\n    def forward(ctx, x):\n        return x\n\n    def backward(self, g):\n        return g\n",
            "mixes",
            id="mixed",
        ),
        pytest.param(
            "    def __init__(self, k):\n        self.k = k\n\n    def forward(self, x, y):\n        return x * y * self.k\n\n"
            "    def backward(self, g):\n        grads = g, g\n        return grads\n",
            "not a tuple",
            id="backward-returns-a-name",
        ),
        pytest.param(
            "    def __init__(self, k):\n        self.k = k\n\n    def forward(self, x):\n        return x * self.k\n\n"
            "    def backward(self, g):\n        return g if all(self.needs_input_grad) else None\n",
            "needs_input_grad",
            id="needs-input-grad-whole",
        ),
        pytest.param(
            "    def __init__(self, torch):\n        self.k = torch\n\n    def forward(self, x):\n        return torch.relu(x) * self.k\n\n"
            "    def backward(self, g):\n        return g\n",
            "variable `forward` uses",
            id="init-argument-shadows",
        ),
        pytest.param(
            "    def __init__(self, k):\n        self.k = k\n\n    def forward(self, x, scale=1.0):\n        return x * self.k\n\n"
            "    def backward(self, g):\n        return g\n",
            "defaults",
            id="forward-defaults",
        ),
    ],
)
def test_unrecognised_classes_are_reported(body, reason):
    source = "import torch\n\nclass Fn(torch.autograd.Function):\n" + body + "\ny = Fn()(x)\n"
    findings = found(source, "TM109")
    assert len(findings) == 1 and findings[0].safety.value == "none"
    assert reason in findings[0].message, findings[0].message
    assert unchanged(source, select=("TM109",))


def test_class_inside_a_function_is_reported():
    source = "import torch\ndef make():\n    class Fn(torch.autograd.Function):\n        def forward(self, x):\n            return x\n\n        def backward(self, g):\n            return g\n    return Fn\n"
    findings = found(source, "TM109")
    assert findings and "module level" in findings[0].message and unchanged(source)


def test_new_style_instance_with_local_name():
    source = """\
        import torch

        class Exp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.exp()

        def f(x):
            exp = Exp()
            return exp(x) + exp(x)
        """
    assert "    exp = Exp.apply\n" in fix(source)


def test_legacy_then_new_style_in_one_run():
    source = LEGACY_SCALE + "f = Scale(2.0)\ny = f(x)\n"
    out = fix(source)
    assert out.endswith("        return g * ctx.factor, None\ny = Scale.apply(x, 2.0)\n")
    assert fix(out) == out


# A safe Function (no `__init__` arguments) next to an unsafe one (`__init__` arguments).
SAFE_AND_UNSAFE = """\
import torch
from torch.autograd import Function


class Id(Function):
    def forward(self, x):
        return x.clone()

    def backward(self, g):
        return g


class Scale(Function):
    def __init__(self, k):
        super(Scale, self).__init__()
        self.k = k

    def forward(self, x):
        return x * self.k

    def backward(self, g):
        return g * self.k


x = torch.ones(3, requires_grad=True)
y = Scale(2.0)(Id()(x))
print(y.sum().item())
"""


def test_a_safe_fix_does_not_carry_the_rewrite_of_an_unsafe_function():
    result = fix_source(SAFE_AND_UNSAFE.encode(), Settings(select=("TM1",)))
    out = result.output.decode()
    assert "class Id(Function):\n    @staticmethod\n    def forward(ctx, x):\n" in out
    assert "    def __init__(self, k):\n        super(Scale, self).__init__()\n        self.k = k\n\n    def forward(self, x):\n" in out
    assert "y = Scale(2.0)(Id.apply(x))\n" in out
    # the class and its call site share the one replacement: both count as fixed
    assert [(f.code, f.safety.value) for f in result.fixed] == [("TM109", "safe"), ("TM109", "safe")]
    # what remains is placed in the output: the class `Scale` and its call
    assert [(f.line, f.safety.value) for f in result.remaining] == [(15, "unsafe"), (28, "unsafe")]
    # the unsafe class is still found, and fixed, in the output of the safe run
    assert fix(out) == fix(SAFE_AND_UNSAFE)


def test_unsafe_fixes_rewrite_the_safe_and_the_unsafe_function():
    result = fix_source(SAFE_AND_UNSAFE.encode(), Settings(select=("TM1",), unsafe_fixes=True))
    out = result.output.decode()
    assert "y = Scale.apply(Id.apply(x), 2.0)\n" in out and "self" not in out
    assert out.count("@staticmethod") == 4 and not result.remaining
    assert {f.safety.value for f in result.fixed} == {"safe", "unsafe"}


def test_only_the_unsafe_function_is_left_when_it_comes_first():
    first, second = SAFE_AND_UNSAFE.split("class Scale(Function):")
    head, id_class = first.split("class Id(Function):")
    scale_class, tail = second.split("\n\n\nx = ")
    source = head + "class Scale(Function):" + scale_class + "\n\n\nclass Id(Function):" + id_class.rstrip("\n") + "\n\n\nx = " + tail
    out = fix(source, unsafe=False)
    assert "y = Scale(2.0)(Id.apply(x))\n" in out and "        self.k = k\n" in out
    assert "class Id(Function):\n    @staticmethod\n" in out


def test_many_functions_are_rewritten_together():
    """One replacement per fix safety, not per class: a file of many Functions settles in few passes."""
    classes = "".join(
        f"class F{i}(Function):\n    def forward(self, x):\n        return x * {i}\n\n    def backward(self, g):\n        return g * {i}\n\n\n"
        for i in range(12)
    )
    scaled = "".join(
        f"class S{i}(Function):\n    def __init__(self, k):\n        self.k = k\n\n    def forward(self, x):\n        return x * self.k\n\n"
        f"    def backward(self, g):\n        return g * self.k\n\n\n"
        for i in range(12)
    )
    calls = "".join(f"y = F{i}()(y)\ny = S{i}({i})(y)\n" for i in range(12))
    source = "from torch.autograd import Function\n\n\n" + classes + scaled + calls
    safe = fix(source, unsafe=False)
    assert safe.count("@staticmethod") == 24 and safe.count("def __init__") == 12
    assert "y = F11.apply(y)\ny = S11(11)(y)\n" in safe
    out = fix(source)
    assert out.count("@staticmethod") == 48 and "def __init__" not in out
    assert "y = F11.apply(y)\ny = S11.apply(y, 11)\n" in out


# --- comments where a Function is built and called ---------------------------------------------


def test_comment_after_a_constructor_argument_stays_after_it():
    source = LEGACY_SCALE + "y = Scale(2.0  # the factor\n          )(x)\nprint(y)\n"
    out = fix(source)
    assert out.endswith("y = Scale.apply(x, 2.0  # the factor\n          )\nprint(y)\n")


def test_comment_after_a_constructor_comma_stays_after_it():
    source = """\
        from torch.autograd import Function

        class Clamp(Function):
            def __init__(self, lo, hi):
                self.lo = lo  # lower
                self.hi = hi

            def forward(self, x):
                return x.clamp(self.lo, self.hi)

            def backward(self, g):
                return g, None

        y = Clamp(-1.0,  # lo
                  hi=1.0)(x)
        z = Clamp(hi=2.0,  # hi
                  lo=0.0,  # lo again
                  )(x  # the input
                    )
        print(y)
        """
    out = fix(source)
    assert "        ctx.lo = lo  # lower\n" in out
    assert "y = Clamp.apply(x, -1.0,  # lo\n          1.0)\n" in out
    assert "z = Clamp.apply(x,  # the input\n            0.0,  # lo again\n          2.0,  # hi\n          )\n" in out
    assert out.endswith("print(y)\n")


def test_comment_the_call_cannot_hold_goes_above_its_statement():
    source = LEGACY_SCALE + "if x:\n    y = Scale(  # why\n        2.0)(x)\n    print(y)\nprint(x)\n"
    out = fix(source)
    assert out.endswith("if x:\n    # why\n    y = Scale.apply(x, 2.0)\n    print(y)\nprint(x)\n")


def test_comments_of_a_removed_instance_go_to_the_next_statement():
    source = LEGACY_SCALE + "# build it\nf = Scale(2.0,  # two\n          )  # the instance\ny = f(x)\nprint(y)\n"
    out = fix(source)
    assert out.endswith("# build it\n# the instance\ny = Scale.apply(x, 2.0,  # two\n          )\nprint(y)\n")


def test_comments_of_init_move_into_forward():
    source = """\
        from torch.autograd import Function

        class Scale(Function):
            # builds it
            def __init__(self, k):  # k: the factor
                # the base
                Function.__init__(self)
                # store it
                self.k = k

            def forward(self, x): return x * self.k

            def backward(self, g):
                return g * self.k

        y = Scale(2.0)(x)
        """
    out = fix(source)
    expected = """\
        from torch.autograd import Function

        class Scale(Function):
            # builds it
            @staticmethod
            def forward(ctx, x, k):
                # k: the factor
                # the base
                # store it
                ctx.k = k
                return x * ctx.k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        y = Scale.apply(x, 2.0)
        """
    assert out == textwrap.dedent(expected)


def test_comments_of_an_init_without_stores_move_into_forward():
    source = """\
        from torch.autograd import Function

        class Id(Function):
            def __init__(self):
                # nothing to keep
                super().__init__()

            def forward(self, x):
                return x

            def backward(self, g):
                return g

        y = Id()(x)
        """
    out = fix(source, unsafe=False)
    assert "    def forward(ctx, x):\n        # nothing to keep\n        return x\n" in out


def test_an_edited_input_inside_a_constructor_argument_is_kept():
    source = """\
        from torch.autograd import Function

        class Id(Function):
            def forward(self, x):
                return x

            def backward(self, g):
                return g

        class Scale(Function):
            def __init__(self, k):
                self.k = k

            def forward(self, x):
                return x * self.k

            def backward(self, g):
                return g * self.k

        y = Scale(Id()(k).item())(x)
        f = Scale(Id()(k).item())
        z = f(y)
        """
    out = fix(source, select=("TM109",))
    assert "y = Scale.apply(x, Id.apply(k).item())\nz = Scale.apply(y, Id.apply(k).item())\n" in out


# --- subclasses of a Function ----------------------------------------------------------------------


def test_subclass_of_a_legacy_function_and_its_uses_are_reported_for_a_human():
    source = """\
        import torch
        from torch.autograd import Function

        class Base(Function):
            def backward(self, g):
                return g * 2

        class Double(Base):
            def forward(self, x):
                return x * 2

        class Twice(Double):
            pass

        print(Double()(torch.ones(2, requires_grad=True)).sum().item())
        t = Twice()
        """
    findings = found(source, "TM109")
    assert [(f.line, f.safety.value) for f in findings] == [(4, "none"), (8, "none"), (12, "none"), (15, "none"), (16, "none")]
    assert "`Double` subclasses the Function `Base`" in findings[1].message
    assert "`Twice` subclasses the Function `Double`" in findings[2].message
    assert "`Double` is a legacy autograd Function" in findings[3].message
    assert "`Twice` is a legacy autograd Function" in findings[4].message
    assert unchanged(source)


def test_subclass_holds_back_a_complete_legacy_base():
    source = LEGACY_SCALE + "class Twice(Scale):\n    def forward(self, x):\n        return x * self.factor * 2\n\ny = Twice(2.0)(x)\n"
    findings = found(source, "TM109")
    assert [f.safety.value for f in findings] == ["none", "none", "none"]
    assert "`Scale` is used other than by calling it" in findings[0].message
    assert "`Twice` subclasses the Function `Scale`" in findings[1].message
    assert unchanged(source)


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param("class Plain(Modern):\n    pass\n\ny = Plain.apply(x)\n", id="static-subclass"),
        pytest.param("class Other(object):\n    def forward(self, x):\n        return x\n\ny = Other()(x)\n", id="unrelated-class"),
    ],
)
def test_subclass_with_static_methods_or_unrelated_class_is_not_reported(tail):
    source = (
        "import torch\n\nclass Modern(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x\n\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g\n\n" + tail
    )
    assert found(source, "TM109") == [] and unchanged(source)


# --- running the rewritten code ----------------------------------------------------------------

FUNCTIONS = """\
import torch
from torch.autograd import Function, Variable


class LinearFunction(Function):
    def forward(self, input, weight, bias):
        self.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        return output + bias.unsqueeze(0).expand_as(output)

    def backward(self, grad_output):
        input, weight, bias = self.saved_variables
        grad_input = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if self.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if self.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class LeakyReLU(Function):
    def __init__(self, slope=0.01):
        super(LeakyReLU, self).__init__()
        self.slope = slope

    def forward(self, input):
        self.save_for_backward(input)
        self.negative = input < 0
        output = input.clone()
        output[self.negative] *= self.slope
        return output

    def backward(self, grad_output):
        input, = self.saved_tensors
        grad_input = grad_output.clone()
        grad_input[self.negative] *= self.slope
        return grad_input


class Square(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, g):
        x, = self.saved_tensors
        return 2 * x * g


torch.manual_seed(0)
x = Variable(torch.randn(5, 4).double(), requires_grad=True)
w = Variable(torch.randn(3, 4).double(), requires_grad=True)
b = Variable(torch.randn(3).double(), requires_grad=True)
h = LinearFunction()(x, w, b)
act = LeakyReLU(0.2)
h = act(h)
sq = Square()
out = sq(h).sum() + LeakyReLU()(h).sum()
out.backward()
for t in (out, x.grad, w.grad, b.grad):
    print(' '.join(v.hex() for v in t.data.reshape(-1).tolist()))
"""


def _python(*args: str, cwd: Path) -> str:
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.torch
def test_rewritten_functions_give_the_reference_gradients():
    torch = pytest.importorskip("torch")
    migrated = fix(FUNCTIONS)
    assert "Function()" not in migrated and "self." not in migrated
    namespace: dict = {}
    exec(compile(migrated.replace("out.backward()", "out.backward()\nRESULT = (out, x, w, b)"), "<migrated>", "exec"), namespace)
    out, x, w, b = namespace["RESULT"]
    xr, wr, br = (t.detach().clone().requires_grad_() for t in (x, w, b))
    h = torch.nn.functional.leaky_relu(xr.mm(wr.t()) + br, 0.2)
    reference = (h * h).sum() + torch.nn.functional.leaky_relu(h, 0.01).sum()
    reference.backward()
    torch.testing.assert_close(out, reference, rtol=1e-12, atol=1e-12)
    for got, want in ((x.grad, xr.grad), (w.grad, wr.grad), (b.grad, br.grad)):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_rewritten_functions_match_the_legacy_runtime_bitwise(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "legacy.py").write_text(FUNCTIONS)
    (tmp_path / "migrated.py").write_text(fix(FUNCTIONS))
    legacy = _python("-c", "from migrator.legacy import run_script; run_script('legacy.py')", cwd=tmp_path)
    migrated = _python("-W", "error::DeprecationWarning", "-W", "error::FutureWarning", "migrated.py", cwd=tmp_path)
    assert migrated == legacy and len(legacy.splitlines()) == 4


@pytest.mark.torch
def test_no_grad_region_gives_the_same_numbers_without_a_graph():
    torch = pytest.importorskip("torch")
    source = """\
        import torch
        from torch.autograd import Variable

        def evaluate(model, batches):
            outputs = []
            for data in batches:
                data = Variable(data, volatile=True)
                outputs.append(model(data))
            return outputs
        """
    migrated = fix(source)
    assert "with torch.no_grad():" in migrated
    namespace: dict = {}
    exec(compile(migrated, "<migrated>", "exec"), namespace)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    batches = [torch.randn(3, 4) for _ in range(2)]
    outputs = namespace["evaluate"](model, batches)
    assert all(not o.requires_grad for o in outputs)
    for got, data in zip(outputs, batches):
        assert torch.equal(got, model(data).detach())


@pytest.mark.torch
@pytest.mark.slow
def test_fixture_migrates_to_the_legacy_numbers(tmp_path):
    pytest.importorskip("torch")
    source = FIXTURE.read_bytes()
    result = fix_source(source, Settings(unsafe_fixes=True, source_version="0.3"))
    assert result.error is None, result.error
    assert not [f for f in result.remaining if f.code.startswith("TM1")], result.remaining
    (tmp_path / "migrated.py").write_bytes(result.output)
    migrated = _python("-W", "error::DeprecationWarning", "-W", "error::FutureWarning", "migrated.py", cwd=tmp_path)
    legacy = _python("-c", f"from migrator.legacy import run_script; run_script({str(FIXTURE)!r}, era='0.3')", cwd=tmp_path)
    assert migrated == legacy
    assert "graph recorded: True" in legacy and legacy.count("epoch") == 6


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(LEGACY_SCALE.replace("class Scale(Function):", "class Scale(Function):  # noqa: TM109") + "y = Scale(2.0)(x)\n", id="on-class"),
        pytest.param(LEGACY_SCALE + "y = Scale(2.0)(x)\nz = Scale(3.0)(x)  # noqa\n", id="on-one-use"),
    ],
)
def test_noqa_holds_back_the_class_and_all_its_uses(source):
    assert unchanged(source)
