"""Notebooks: code cells migrated as one module, IPython lines kept, the JSON layout untouched elsewhere."""

from __future__ import annotations

import difflib
import json

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.config import Settings
from migrator.notebook import _ipython_spans, _lines, transform_notebook

nbformat = pytest.importorskip("nbformat")

IMPORTS = "%matplotlib inline\nimport torch\nimport torch.nn.functional as F\nfrom torch.autograd import Variable\n!pip install foo \\\n    bar"
USE = "x = Variable(torch.randn(3))\ny = F.sigmoid(x)\ny?\nfor i in range(2):\n    %time z = x * 2\n    print(i)"
TIMED = "%%time\nloss = y.sum()\nprint(loss.data[0])"
SHELL = "%%bash\necho 'Variable(x)'"
TRICKY = "files = !ls\ns = '''\n%not a magic\n'''\nv = (10\n     % 3)\n??torch.cat"


def _notebook(*sources, markdown="# Títle: ünïcode", language="python"):
    """A notebook: one markdown cell, then a code cell with an output per source."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    notebook.cells = [nbformat.v4.new_markdown_cell(markdown)]
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", text="out: Variable(x)\n")]
        cell.execution_count = 1
        notebook.cells.append(cell)
    return notebook


def _write(path, notebook):
    """Write as Jupyter does; return the bytes written."""
    nbformat.write(notebook, str(path))
    return path.read_bytes()


def _cells(data: bytes):
    """Every cell's source text."""
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in json.loads(data)["cells"]]


def _changed_lines(before: bytes, after: bytes):
    """The removed (-) and added (+) lines of the JSON text."""
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def test_fix_migrates_code_cells_and_keeps_everything_else(tmp_path):
    path = tmp_path / "nb.ipynb"
    before = _write(path, _notebook(IMPORTS, USE, TIMED, SHELL, TRICKY))
    result = CliRunner().invoke(main, ["fix", "--jobs", "1", str(path)])
    assert result.exit_code == 1, result.output
    after = path.read_bytes()
    cells = _cells(after)
    assert cells[1] == IMPORTS.replace("from torch.autograd import Variable\n", "")
    assert cells[2] == USE.replace("Variable(torch.randn(3))", "torch.randn(3)").replace("F.sigmoid", "torch.sigmoid")
    assert cells[3] == "%%time\nloss = y.sum()\nprint(loss.item())"
    assert cells[4] == SHELL and cells[5] == TRICKY
    old, new = json.loads(before), json.loads(after)
    for old_cell, new_cell in zip(old["cells"], new["cells"]):
        assert {k: v for k, v in old_cell.items() if k != "source"} == {k: v for k, v in new_cell.items() if k != "source"}
    assert old["metadata"] == new["metadata"]
    assert sorted(_changed_lines(before, after)) == [
        '+     "print(loss.item())"',
        '+     "x = torch.randn(3)\\n",',
        '+     "y = torch.sigmoid(x)\\n",',
        '-     "from torch.autograd import Variable\\n",',
        '-     "print(loss.data[0])"',
        '-     "x = Variable(torch.randn(3))\\n",',
        '-     "y = F.sigmoid(x)\\n",',
    ]
    nbformat.validate(nbformat.reads(after.decode(), as_version=4))
    again = CliRunner().invoke(main, ["fix", "--jobs", "1", str(path)])
    assert again.exit_code == 0, again.output
    assert path.read_bytes() == after


def test_layout_of_another_writer_is_kept(tmp_path):
    """Two-space indent, escaped non-ASCII, no trailing newline, keys in the writer's own order."""
    notebook = _notebook("import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))  # é\n", "print(1)")
    written = json.loads(nbformat.writes(notebook))
    raw = {"nbformat": 4, "nbformat_minor": 5, "metadata": written["metadata"], "cells": written["cells"]}
    before = json.dumps(raw, indent=2, ensure_ascii=True).encode()
    path = tmp_path / "nb.ipynb"
    path.write_bytes(before)
    result = transform_notebook(before, Settings(), str(path), fix=True)
    assert result.error is None
    assert _changed_lines(before, result.output) == [
        '-         "from torch.autograd import Variable\\n",',
        '-         "x = Variable(torch.ones(2))  # \\u00e9\\n"',
        '+         "x = torch.ones(2)  # \\u00e9\\n"',
    ]
    assert not result.output.endswith(b"\n")
    assert list(json.loads(result.output)) == ["nbformat", "nbformat_minor", "metadata", "cells"]
    nbformat.validate(nbformat.reads(result.output.decode(), as_version=4))


def test_source_as_one_string_and_compact_json():
    notebook = _notebook("from torch.autograd import Variable\nv = Variable(t)")
    raw = nbformat.from_dict(json.loads(nbformat.writes(notebook)))
    raw["cells"][1]["source"] = "from torch.autograd import Variable\nv = Variable(t)"
    before = json.dumps(raw, separators=(",", ":")).encode()
    result = transform_notebook(before, Settings(), "nb.ipynb", fix=True)
    assert result.error is None
    assert json.loads(result.output)["cells"][1]["source"] == "v = t"
    assert result.output == before.replace(b'"from torch.autograd import Variable\\nv = Variable(t)"', b'"v = t"')


def test_findings_name_the_cell_by_its_position_among_all_cells_and_its_line(tmp_path):
    path = tmp_path / "nb.ipynb"
    before = _write(path, _notebook(IMPORTS, USE, TIMED))  # a markdown cell first: the code cells are 2, 3 and 4
    result = CliRunner().invoke(main, ["check", "--jobs", "1", str(path)])
    assert result.exit_code == 1
    assert f"{path}:cell 3:1:5: TM101" in result.output
    assert f"{path}:cell 3:2:5: TM401" in result.output
    assert f"{path}:cell 4:3:7: TM201" in result.output
    assert path.read_bytes() == before
    found = transform_notebook(path.read_bytes(), Settings(), str(path), fix=False)
    assert {(f.cell, f.line, f.code) for f in found.remaining} == {(3, 1, "TM101"), (3, 2, "TM401"), (4, 3, "TM201")}


def test_errors_number_the_cells_as_findings_do():
    """Markdown, code, markdown, code: the second code cell is cell 4 in findings and in every error."""

    def cells(last):
        notebook = _notebook("from torch.autograd import Variable", "", "")
        notebook.cells[2] = nbformat.v4.new_markdown_cell("## next")
        raw = json.loads(nbformat.writes(notebook))
        raw["cells"][3]["source"] = last
        return json.dumps(raw, indent=1).encode()

    found = transform_notebook(cells("v = Variable(t)"), Settings(), "nb.ipynb", fix=False)
    assert [(f.cell, f.line, f.code) for f in found.remaining] == [(4, 1, "TM101")]
    broken = transform_notebook(cells("v = Variable(\n"), Settings(), "nb.ipynb", fix=True)
    assert broken.error.startswith("cell 4:1:")
    malformed = transform_notebook(cells(5), Settings(), "nb.ipynb", fix=True)
    assert malformed.error == "not a valid notebook: cell 4 has a malformed `source`"


def test_remaining_findings_are_placed_in_the_fixed_cells():
    notebook = _notebook("from torch.autograd import Variable\nimport torch", "x = Variable(torch.ones(1))\ny = torch.ones(1)\nz = y.data[0]")
    source = nbformat.writes(notebook).encode()
    result = transform_notebook(source, Settings(select=("TM101",)), "nb.ipynb", fix=True)
    assert not result.remaining
    result = transform_notebook(source, Settings(select=("TM1", "TM2")), "nb.ipynb", fix=False)
    assert sorted((f.cell, f.line) for f in result.remaining) == [(3, 1), (3, 3)]


def test_era_is_inferred_from_the_whole_notebook():
    notebook = _notebook("import torch", "print(1)", "v = loss.data[0]")
    result = transform_notebook(nbformat.writes(notebook).encode(), Settings(), "nb.ipynb", fix=False)
    assert result.era == (0, 3)


def test_an_import_used_only_by_a_magic_line_is_kept():
    notebook = _notebook("from torch.autograd import Variable\nimport torch", "x = Variable(torch.ones(2))\n%timeit Variable(x)")
    result = transform_notebook(nbformat.writes(notebook).encode(), Settings(), "nb.ipynb", fix=True)
    cells = _cells(result.output)
    assert cells[1] == "from torch.autograd import Variable\nimport torch"
    assert cells[2] == "x = torch.ones(2)\n%timeit Variable(x)"


def test_a_continued_shell_line_survives_removing_the_next_statement():
    notebook = _notebook("!pip install \\\n    foo \\\n    bar\nfrom torch.autograd import Variable\nimport torch\nx = Variable(torch.ones(1))")
    result = transform_notebook(nbformat.writes(notebook).encode(), Settings(), "nb.ipynb", fix=True)
    assert result.error is None
    assert _cells(result.output)[1] == "!pip install \\\n    foo \\\n    bar\nimport torch\nx = torch.ones(1)"


def test_other_languages_and_clean_notebooks_are_left_alone():
    r_notebook = nbformat.writes(_notebook("x <- Variable(1)", language="R")).encode()
    assert transform_notebook(r_notebook, Settings(), "r.ipynb", fix=True).output == r_notebook
    clean = nbformat.writes(_notebook("import torch\nprint(torch.ones(1))")).encode()
    result = transform_notebook(clean, Settings(), "nb.ipynb", fix=True)
    assert result.output == clean and not result.parsed


@pytest.mark.parametrize(
    "data,message",
    [
        (b'{"cells": ["Variable(x)"', "invalid JSON"),
        (b'{"metadata": {}, "Variable": 1}', "no `cells` list"),
        (b'{"worksheets": [{"cells": []}], "Variable": 1}', "nbformat 3"),
        (b"\xff\xfe Variable", "not UTF-8"),
        (b'{"nbformat": 4, "cells": [5, {"cell_type": "code", "source": "Variable(x)"}]}', "cell 1 is not a JSON object"),
        (b'{"nbformat": 4, "cells": [{"source": "v = Variable(x)"}]}', "cell 1 has no `cell_type`"),
        (b'{"nbformat": 4, "cells": [{"cell_type": null, "source": "Variable(x)"}]}', "cell 1 has malformed `cell_type`"),
        (b'{"nbformat": "4", "cells": [{"cell_type": "code", "source": "Variable(x)"}]}', 'must be a version number such as 4, not "4"'),
        (b'{"cells": [{"cell_type": "code", "source": "Variable(x)"}]}', "no `nbformat` version"),
        (b'{"nbformat": 3, "cells": [{"cell_type": "code", "source": "Variable(x)"}]}', "nbformat 3 notebooks are not supported"),
    ],
    ids=[
        "truncated", "no-cells", "nbformat3", "binary", "cell-not-object", "no-cell-type", "null-cell-type",
        "nbformat-string", "no-nbformat", "nbformat3-with-cells",
    ],
)
def test_broken_notebooks_are_a_one_line_error(data, message):
    result = transform_notebook(data, Settings(), "bad.ipynb", fix=True)
    assert result.error and message in result.error and "\n" not in result.error
    assert result.output == data


def test_a_lone_surrogate_is_an_error_not_a_crash(tmp_path):
    raw = json.loads(nbformat.writes(_notebook("from torch.autograd import Variable\nv = Variable(t)  # \ud800")))
    path = tmp_path / "nb.ipynb"
    before = json.dumps(raw, indent=1).encode()
    path.write_bytes(before)
    result = CliRunner().invoke(main, ["fix", "--jobs", "1", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"{path}: error: cell 2:2: the source holds a lone surrogate (`\\ud800`), which is not valid Unicode text"
    )
    assert path.read_bytes() == before


def test_syntax_error_names_the_cell(tmp_path):
    path = tmp_path / "nb.ipynb"
    before = _write(path, _notebook("import torch\nfrom torch.autograd import Variable", "x = Variable(\n"))
    result = CliRunner().invoke(main, ["fix", "--jobs", "1", str(path)])
    assert result.exit_code == 2
    assert f"{path}: error: cell 3:" in result.output
    assert path.read_bytes() == before


def test_notebooks_in_directories_and_on_stdin(tmp_path):
    path = tmp_path / "sub" / "nb.ipynb"
    path.parent.mkdir()
    source = _write(path, _notebook("from torch.autograd import Variable\nv = Variable(t)"))
    result = CliRunner().invoke(main, ["check", "--jobs", "1", str(tmp_path)])
    assert "nb.ipynb:cell 2:2:5: TM101" in result.output
    result = CliRunner().invoke(main, ["fix", "--stdin-filename", "nb.ipynb", "-"], input=source)
    assert _cells(result.stdout_bytes)[1] == "v = t"


@pytest.mark.parametrize(
    "source,masked",
    [
        ("%matplotlib inline\nx = 1\n", [0]),
        ("!pip install torch\n", [0]),
        ("%%time\nx = 1\n", [0]),
        ("x?\n??x\nx = 1  # why?\n", [0, 1]),
        ("a = (1\n     % 2)\n", []),
        ("s = '''\n!not shell\n'''\n", []),
        ("s = 'a' \\\n    % 2\n", []),
        ("x = 1\nls = !ls\n", [1]),
        ("if x == 1:\n    !echo one\n", [1]),
        ("f = x ==  2\n", []),
    ],
    ids=["line-magic", "shell", "cell-magic", "help", "modulo-continuation", "in-string", "backslash", "assigned", "indented", "equality"],
)
def test_ipython_lines_are_found_only_where_a_logical_line_starts(source, masked):
    assert [start for start, _ in _ipython_spans(_lines(source))] == masked


def test_a_fix_that_would_move_code_across_cells_is_reported_and_the_others_applied(tmp_path):
    """TM103 would put the rest of the module, later cells included, under `with torch.no_grad():`."""
    path = tmp_path / "nb.ipynb"
    before = _write(path, _notebook(
        "import torch\nimport torch.nn.functional as F\nfrom torch.autograd import Variable\n",
        "def predict(model, x):\n    x = Variable(x, volatile=True)\n    return model(x).data",
        "x = Variable(torch.randn(3), volatile=True)  # eval\ny = F.sigmoid(x)",
        "print(y.data[0])",
    ))
    result = CliRunner().invoke(main, ["fix", "--jobs", "1", "--unsafe-fixes", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        f"{path}:cell 4:1:5: TM103 `volatile` has no effect since torch 0.4; wrap the evaluation in "
        "`with torch.no_grad():` (not rewritten: the fix would move code across notebook cells)"
    )
    after = path.read_bytes()
    assert sorted(_changed_lines(before, after)) == [
        '+     "        return model(x).data"',
        '+     "    with torch.no_grad():\\n",',
        '+     "print(y[0].item())"',
        '+     "y = torch.sigmoid(x)"',
        '-     "    return model(x).data"',
        '-     "    x = Variable(x, volatile=True)\\n",',
        '-     "print(y.data[0])"',
        '-     "y = F.sigmoid(x)"',
    ]
    held = transform_notebook(after, Settings(unsafe_fixes=True), str(path), fix=True)
    assert held.output == after
    assert [(f.cell, f.line, f.column, f.code, f.safety.value) for f in held.remaining] == [(4, 1, 5, "TM103", "none")]


def test_a_check_counts_as_fixable_only_what_a_fix_of_the_notebook_applies(tmp_path):
    """The check says of a cross-cell fix what `fix` will: report-only, not "fixable with --unsafe-fixes"."""
    path = tmp_path / "nb.ipynb"
    _write(path, _notebook(
        "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2), volatile=True)\ny = torch.sigmoid(x)",
        "print(x * 2)",
    ))
    checked = transform_notebook(path.read_bytes(), Settings(), str(path), fix=False)
    fixed = transform_notebook(path.read_bytes(), Settings(unsafe_fixes=True), str(path), fix=True)
    assert [(f.cell, f.line, f.code, f.safety.value) for f in checked.remaining if f.code == "TM103"] == [(2, 3, "TM103", "none")]
    assert [(f.code, f.safety.value) for f in fixed.remaining] == [("TM103", "none")]
    result = CliRunner().invoke(main, ["check", "--jobs", "1", str(path)])
    assert "--unsafe-fixes" not in result.output, result.output


def test_crlf_notebooks_keep_crlf_in_the_rewritten_sources(tmp_path):
    notebook = _notebook(IMPORTS, USE)
    lf = nbformat.writes(notebook).encode() + b"\n"
    fixed_lf = transform_notebook(lf, Settings(), "nb.ipynb", fix=True).output
    crlf = lf.replace(b"\n", b"\r\n")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(crlf)
    result = CliRunner().invoke(main, ["fix", "--jobs", "1", str(path)])
    assert result.exit_code == 1, result.output
    assert fixed_lf != lf
    assert path.read_bytes() == fixed_lf.replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    "source,expected",
    [
        ("  %matplotlib inline\nfrom torch.autograd import Variable\nv = Variable(t)", "  %matplotlib inline\nv = t"),
        ("\n\t!pip install torch\nfrom torch.autograd import Variable\nv = Variable(t)", "\n\t!pip install torch\nv = t"),
        ("\n%%bash\necho 'Variable(x)'", "\n%%bash\necho 'Variable(x)'"),
    ],
    ids=["indented-magic", "blank-line-then-indented-shell", "blank-line-then-cell-magic"],
)
def test_ipython_drops_the_first_lines_indentation_and_the_blank_lines_above_it(source, expected):
    before = nbformat.writes(_notebook(source, "from torch.autograd import Variable\nw = Variable(t)")).encode()
    result = transform_notebook(before, Settings(), "nb.ipynb", fix=True)
    assert result.error is None
    assert _cells(result.output)[1:] == [expected, "w = t"]
