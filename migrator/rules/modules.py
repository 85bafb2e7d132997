"""Modules, structure and environment: `nn.Container`, dotted module names, single-layer RNN
dropout, `pack_padded_sequence` ordering and the NumPy aliases removed in NumPy 1.24."""

from __future__ import annotations

import re
from typing import List, Optional

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import literal
from migrator.rules._source import Parts, call_releases, imports_torch, source_of
from migrator.rules._triggers import GAP_CLOSE_TOKEN, GAP_TOKEN, called_or_aliased, word_regex
from migrator.walk import iter_code


class NnContainer(Rule):
    """`class Net(nn.Container)` / `nn.Container(a=m1)`: use `nn.Module` / `nn.ModuleDict`.

    What it does: a class deriving from `nn.Container` derives from `nn.Module` instead
    (when it does not pass modules to the base `__init__`); `nn.Container()` becomes
    `nn.Module()` and `nn.Container(a=m1, b=m2)` becomes `nn.ModuleDict({'a': m1, 'b': m2})`.
    Why: `nn.Container` (torch 0.1) is deprecated (`FutureWarning: nn.Container is
    deprecated. All of its functionality is now implemented in nn.Module`).
    Example: `class Net(nn.Container):` becomes `class Net(nn.Module):`.
    Fix safety: safe for the base class and an empty call (Container added nothing to
    Module but keyword modules); unsafe for `ModuleDict`, a different class (the same
    child names and state_dict keys, plus dict methods). A subclass passing modules to
    the base constructor is reported.
    """

    code = "TM001"
    message = "`nn.Container` is deprecated; subclass `nn.Module` (or use `nn.ModuleDict`)"
    safety = Safety.SAFE
    triggers = ("Container",)
    trigger_words = ("Container",)
    # a base class (`(nn.Container)`, `(nn.Container, B)`), a call or an aliased import
    trigger_regex = rf"{word_regex('Container')}(?:{GAP_CLOSE_TOKEN}*[(,)]|{GAP_TOKEN}+as\b)"
    changed_in = "0.2"
    requires = "0.4"
    examples = (
        fixes(
            "import torch.nn as nn\nclass Net(nn.Container):\n    def __init__(self):\n        super(Net, self).__init__()\n",
            "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super(Net, self).__init__()\n",
            id="base-class",
        ),
        fixes(
            "from torch.nn import Container as C\nblock = C(conv=conv, bn=bn)\n",
            "import torch\n\nblock = torch.nn.ModuleDict({'conv': conv, 'bn': bn})\n",
            id="alias-call",
        ),
        reports(
            "import torch.nn as nn\nclass Net(nn.Container):\n    def __init__(self):\n        super(Net, self).__init__(fc=nn.Linear(2, 2))\n",
            id="modules-to-base",
        ),
        keeps("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n", id="modern"),
        keeps("from docker.models import Container\nc = Container(attrs=a)\n", id="look-alike"),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if base.keyword is None and self.context.qualified_name(base.value) == "torch.nn.Container":
                if _passes_modules_to_base(node):
                    self.report(base.value, message=self.message + " (modules passed to the base `__init__`: register them with `add_module`)")
                    return
                parts = Parts(self.context)
                self.report(base.value, parts.expr(parts.ref("torch.nn.Module")), imports=parts.imports,
                            releases=call_releases(self.context, base.value))

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.nn.Container":
            return
        parts = Parts(self.context)
        if not node.args:
            self.report(node, parts.expr(f"{parts.ref('torch.nn.Module')}()"), imports=parts.imports,
                        releases=call_releases(self.context, node.func))
            return
        if any(a.keyword is None or a.star for a in node.args):
            self.report(node)
            return
        items = ", ".join(f"{a.keyword.value!r}: {source_of(a.value)}" for a in node.args)  # type: ignore[union-attr]
        text = f"{parts.ref('torch.nn.ModuleDict')}({{{items}}})"
        self.report(node, parts.expr(text, like=node), imports=parts.imports, safety=Safety.UNSAFE,
                    releases=call_releases(self.context, node.func),
                    message=self.message + " (unsafe: `ModuleDict` is another class with the same children)")


def _passes_modules_to_base(node: cst.ClassDef) -> bool:
    """Whether a `super().__init__(...)` / `X.__init__(self, ...)` call in the class passes arguments."""
    found: List[bool] = []
    for call in iter_code(node.body):
        if type(call) is not cst.Call:
            continue
        func = call.func  # type: ignore[attr-defined]
        if isinstance(func, cst.Attribute) and func.attr.value == "__init__":
            receiver = func.value
            if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
                found.append(bool(call.args))  # type: ignore[attr-defined]
            elif len(call.args) > 1:  # type: ignore[attr-defined]
                found.append(True)
    return any(found)


_NAMING_METHODS = ("add_module", "register_parameter", "register_buffer")


class DottedModuleName(Rule):
    """`add_module('conv.1', m)`: module, parameter and buffer names cannot contain '.'.

    What it does: in `add_module`, `register_parameter` and `register_buffer`, a literal
    name (or `%` / `.format` / f-string template) containing '.' gets '_' instead; an
    empty name is reported.
    Why: torch 0.4 rejects such names (`KeyError: 'module name can't contain ".", got:
    conv.1'`); up to 0.3 they were accepted.
    Example: `self.add_module('conv.%d' % i, conv)` becomes `self.add_module('conv_%d' % i, conv)`.
    Fix safety: unsafe: state_dict keys change (`conv.1.weight` -> `conv_1.weight`), so
    checkpoints saved by the legacy code need their keys renamed too.
    """

    code = "TM002"
    message = "module/parameter/buffer names cannot contain '.' since torch 0.4; use '_'"
    safety = Safety.UNSAFE
    triggers = ("add_module(", "register_parameter(", "register_buffer(")
    trigger_words = _NAMING_METHODS
    # the name is a string literal holding a '.' (also in `%` / `.format` templates), an empty
    # or triple-quoted one, or an f-string
    trigger_regex = (
        rf"(?:add_module|register_parameter|register_buffer){GAP_CLOSE_TOKEN}*\((?:[\s\\(]|#[^\n]*\n)*"
        r"(?:[rRbBuU]{0,2}(?:'(?:[^'\\\n]|\\[\s\S])*\.|\"(?:[^\"\\\n]|\\[\s\S])*\.|''|\"\")|[rR]?[fF][rR]?['\"])"
    )
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nself.add_module('conv.%d' % i, conv)\n",
            "import torch\nself.add_module('conv_%d' % i, conv)\n",
            id="percent",
        ),
        fixes(
            "import torch as th\nnet.register_buffer('stats.mean', m)\nnet.add_module(f'block.{i}', b)\nnet.add_module('fc.{:.1f}'.format(r), fc)\nnet.add_module('c.%.1f' % r, c)\n",
            "import torch as th\nnet.register_buffer('stats_mean', m)\nnet.add_module(f'block_{i}', b)\nnet.add_module('fc_{:.1f}'.format(r), fc)\nnet.add_module('c_%.1f' % r, c)\n",
            id="alias-forms",
        ),
        reports("import torch\nnet.add_module('', m)\n", id="empty"),
        keeps("import torch\nself.add_module('conv%d' % i, conv)\n", id="modern"),
        keeps("import torch\nname = 'a.b'\nparser.add_module(name)\napp.register_buffer('x.y')\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _NAMING_METHODS):
            return
        if len(node.args) < 2 or node.args[0].keyword is not None or node.args[0].star or not imports_torch(self.context):
            return
        name = node.args[0].value
        if literal(name) == "":
            self.report(name, message=self.message + " (an empty name is rejected too)")
            return
        fixed = _undotted(name)
        if fixed is not None:
            self.report(name, fixed)


def _undotted(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The name expression with '.' replaced by '_' in its literal text, or None if it has none."""
    if isinstance(node, cst.SimpleString):
        escaped = _escape_dots(node.raw_value)
        if escaped == node.raw_value:
            return None
        return node.with_changes(value=node.prefix + node.quote + escaped + node.quote)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        left = _undotted(node.left)
        return node.with_changes(left=left) if left is not None else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        receiver = _undotted(node.func.value)
        return node.with_changes(func=node.func.with_changes(value=receiver)) if receiver is not None else None
    if isinstance(node, cst.FormattedString):
        changed = False
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText) and "." in part.value:
                part = part.with_changes(value=part.value.replace(".", "_"))
                changed = True
            parts.append(part)
        return node.with_changes(parts=parts) if changed else None
    return None


def _escape_dots(raw: str) -> str:
    """'.' -> '_' outside `{...}` fields and `%.3f`-style conversions."""
    out: List[str] = []
    depth = 0
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "%":
            spec = _PRINTF.match(raw, index)
            if spec:
                out.append(spec.group())
                index = spec.end()
                continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char == "." and depth == 0:
            char = "_"
        out.append(char)
        index += 1
    return "".join(out)


_PRINTF = re.compile(r"%(\([^)]*\))?[-+ #0]*(\*|\d+)?(\.(\*|\d+))?[a-zA-Z%]")


_RNNS = {"torch.nn.LSTM": 5, "torch.nn.GRU": 5, "torch.nn.RNN": None}
_RNN_PARAMS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional")


class RnnDropoutSingleLayer(Rule):
    """`nn.LSTM(..., num_layers=1, dropout=0.5)`: the dropout never applied; drop it.

    What it does: removes `dropout=` from `nn.LSTM`, `nn.GRU` and `nn.RNN` constructed
    with one layer (`num_layers` absent or 1); for LSTM/GRU a positional dropout is
    removed too (a following `bidirectional` becomes a keyword).
    Why: RNN dropout applies between stacked layers only; torch 0.4 started warning
    (`UserWarning: dropout option adds dropout after all but last recurrent layer, so
    non-zero dropout expects num_layers greater than 1`).
    Example: `nn.LSTM(128, 256, dropout=0.3)` becomes `nn.LSTM(128, 256)`.
    Fix safety: safe: with one layer the argument had no effect in any release.
    """

    code = "TM003"
    message = "`dropout` on a single-layer RNN has no effect; remove it (or stack layers)"
    safety = Safety.SAFE
    triggers = ("dropout", "LSTM", "GRU", "RNN")
    trigger_words = ("LSTM", "GRU", "RNN")
    trigger_regex = called_or_aliased(f"(?:{word_regex('LSTM')}|{word_regex('GRU')}|{word_regex('RNN')})")
    changed_in = "0.4"
    examples = (
        fixes("import torch.nn as nn\nrnn = nn.LSTM(128, 256, dropout=0.3)\n", "import torch.nn as nn\nrnn = nn.LSTM(128, 256)\n", id="keyword"),
        fixes(
            "from torch import nn as tnn\ng = tnn.GRU(10, 20, 1, True, True, p, True)\n",
            "from torch import nn as tnn\ng = tnn.GRU(10, 20, 1, True, True, bidirectional=True)\n",
            id="alias-positional",
        ),
        keeps("import torch.nn as nn\nrnn = nn.LSTM(128, 256, num_layers=2, dropout=0.3)\n", id="stacked"),
        keeps("import torch.nn as nn\nrnn = nn.LSTM(128, 256, num_layers=layers, dropout=0.3)\nd = Dense(10, dropout=0.5)\n", id="unknown-layers-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in _RNNS or any(a.star for a in node.args):
            return
        positional = [a for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}  # type: ignore[union-attr]
        layers = keywords["num_layers"].value if "num_layers" in keywords else positional[2].value if len(positional) > 2 else None
        if layers is not None and literal(layers) != 1:
            return
        dropout_position = _RNNS[name]
        if "dropout" in keywords:
            dropout = keywords["dropout"]
        elif dropout_position is not None and len(positional) > dropout_position:
            dropout = positional[dropout_position]
        else:
            return
        if literal(dropout.value) == 0:
            return
        kept: List[cst.Arg] = []
        for index, arg in enumerate(node.args):
            if arg is dropout:
                continue
            if arg.keyword is None and dropout.keyword is None and index > dropout_position:  # type: ignore[operator]
                arg = arg.with_changes(
                    keyword=cst.Name(_RNN_PARAMS[index]),
                    equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
                )
            kept.append(arg)
        if kept:
            kept[-1] = kept[-1].with_changes(comma=node.args[-1].comma)
        self.report(node, node.with_changes(args=kept))


class PackPaddedUnsorted(Rule):
    """`pack_padded_sequence(x, lengths)` in legacy code: say `enforce_sorted=False`, drop the manual sort.

    What it does: in code written for torch <= 1.0 adds `enforce_sorted=False` to
    `pack_padded_sequence` calls that do not pass it.
    Why: up to torch 1.0 lengths had to be sorted in decreasing order and scripts sorted
    the batch by hand (and unsorted the outputs); torch 1.1 added `enforce_sorted=False`,
    which sorts internally and restores the order in `pad_packed_sequence` and the RNN's
    final states. Unsorted lengths with the default raise `RuntimeError: lengths array
    must be sorted in decreasing order when enforce_sorted is True`.
    Example: `pack_padded_sequence(emb, lengths, batch_first=True)` gets
    `enforce_sorted=False`.
    Fix safety: unsafe: for sorted lengths the padded outputs are the same, but the
    packed data of equal-length sequences may be ordered differently.
    """

    code = "TM004"
    message = "`pack_padded_sequence` needs sorted lengths unless `enforce_sorted=False` (torch 1.1+)"
    safety = Safety.UNSAFE
    triggers = ("pack_padded_sequence",)
    trigger_words = ("pack_padded_sequence",)
    changed_in = "1.1"
    requires = "1.1"
    source_eras = (None, "1.0")
    example_era = "0.4"
    examples = (
        fixes(
            "from torch.nn.utils.rnn import pack_padded_sequence\np = pack_padded_sequence(emb, lengths, batch_first=True)\n",
            "from torch.nn.utils.rnn import pack_padded_sequence\np = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)\n",
            id="function",
        ),
        fixes(
            "import torch.nn.utils.rnn as rnn_utils\np = rnn_utils.pack_padded_sequence(x, lens)\n",
            "import torch.nn.utils.rnn as rnn_utils\np = rnn_utils.pack_padded_sequence(x, lens, enforce_sorted=False)\n",
            id="alias",
        ),
        keeps("from torch.nn.utils.rnn import pack_padded_sequence\np = pack_padded_sequence(x, lens, enforce_sorted=True)\n", id="explicit"),
        keeps("def pack_padded_sequence(x, l):\n    return x\np = pack_padded_sequence(x, lens)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.nn.utils.rnn.pack_padded_sequence":
            return
        if any(a.star for a in node.args) or len(node.args) > 3:
            return
        if any(a.keyword is not None and a.keyword.value == "enforce_sorted" for a in node.args):
            return
        last = node.args[-1]
        args = list(node.args[:-1]) + [
            last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(
                keyword=cst.Name("enforce_sorted"),
                value=cst.Name("False"),
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
                comma=last.comma,
            ),
        ]
        self.report(node, node.with_changes(args=args))


# NumPy < 1.20 aliases of builtins, removed in 1.24 (`np.bool`/`np.long` came back in 2.0 as NumPy types)
_NUMPY_ALIASES = {
    "numpy.float": "float",
    "numpy.int": "int",
    "numpy.bool": "bool",
    "numpy.object": "object",
    "numpy.str": "str",
    "numpy.long": "int",
    "numpy.unicode": "str",
    "numpy.complex": "complex",
}


class NumpyBuiltinAlias(Rule):
    """`np.float`, `np.int`, `np.bool`, ...: use the builtins `float`, `int`, `bool`.

    What it does: replaces the NumPy aliases of Python builtins, common in 2017-2018
    scripts (`x.astype(np.float)`, `dtype=np.int`), with the builtins they were.
    Why: deprecated in NumPy 1.20 and removed in 1.24 (`AttributeError: module 'numpy'
    has no attribute 'float'`); NumPy 2 brought `np.bool` and `np.long` back as NumPy
    scalar types, which are not the builtins the legacy code meant.
    Example: `y = labels.astype(np.float)` becomes `y = labels.astype(float)`.
    Fix safety: safe: the aliases were the builtins themselves.
    """

    code = "TM005"
    message = "`np.{old}` was an alias of the builtin, removed in NumPy 1.24; use `{new}`"
    safety = Safety.SAFE
    triggers = ("numpy",)
    trigger_words = ("numpy",)  # every spelling of `numpy.float` imports numpy by name
    # `np.float` / `numpy.float`, or numpy imported under another alias (then any `.float`)
    trigger_regex = (
        rf"(?:numpy(?<!\wnumpy)|np(?<!\wnp)){GAP_CLOSE_TOKEN}*\.{GAP_TOKEN}*(?:float|int|bool|object|str|long|unicode|complex)\b"
        rf"|numpy(?<!\wnumpy){GAP_TOKEN}+as{GAP_TOKEN}+(?!np\b)\w"
    )
    changed_in = "numpy 1.24"
    examples = (
        fixes("import numpy as np\ny = labels.astype(np.float)\n", "import numpy as np\ny = labels.astype(float)\n", id="astype"),
        fixes(
            "import numpy\nm = numpy.zeros(3, dtype=numpy.bool)\nk = numpy.int(n)\n",
            "import numpy\nm = numpy.zeros(3, dtype=bool)\nk = int(n)\n",
            id="module-name",
        ),
        keeps("import numpy as np\ny = x.astype(np.float32)\nz = np.int64(3)\n", id="sized-types"),
        keeps("from numpy import *\ny = float(x)\nclass np:\n    float = 1\n", id="star-and-own"),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self.context.qualified_name(node)
        new = _NUMPY_ALIASES.get(name) if name else None
        if new is None or self.context.names.binding_of(node) is None:
            return
        message = self.message.format(old=node.attr.value, new=new)
        self.report(node, cst.Name(new, lpar=node.lpar, rpar=node.rpar), message=message)
