"""Problems name the inputs they concern; the CLI shows those inputs as its flags, anything else plainly.
The core itself never names a flag."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

import butler
from butler.domain.errors import CheckFailed, Problem, UsageError
from butler.entrypoints.console import flag_for, report_error, shown


def test_a_problem_names_the_inputs_its_template_does_not_give_a_value_for() -> None:
    problem = Problem("{path}: already exists; choose another path with {output} or pass {force}", path="/k")

    assert problem.inputs == ("output", "force")
    assert str(problem) == "/k: already exists; choose another path with `output` or pass `force`"
    assert problem.render(str.upper) == "/k: already exists; choose another path with OUTPUT or pass FORCE"


def test_values_are_shown_as_given_even_when_they_look_like_fields() -> None:
    problem = Problem("{path}: {chunk_size} is {size}", path="/odd {name}.json", size=-1)

    assert problem.inputs == ("chunk_size",)
    assert shown(problem) == "/odd {name}.json: --chunk-size is -1"


def test_the_cli_names_an_input_by_its_long_flag_and_output_by_its_short_one() -> None:
    assert flag_for("chunk_size") == "--chunk-size"
    assert flag_for("high_availability_count") == "--high-availability-count"
    assert flag_for("output") == "-o"
    assert flag_for("output", {"output": "--mapping"}) == "--mapping"


def test_an_error_is_reported_with_flags_one_line_per_problem_and_its_exit_code() -> None:
    error = UsageError(
        Problem("{chunk_size} must be at least 1, got {size}", size=0),
        "a plain problem",
        Problem("{path}: pass {force}", path="x.json"),
    )
    out = io.StringIO()

    assert report_error(error, out) == 2
    assert out.getvalue() == (
        "error: --chunk-size must be at least 1, got 0\nerror: a plain problem\nerror: x.json: pass --force\n"
    )


def test_an_entry_point_may_name_an_input_its_own_way() -> None:
    out = io.StringIO()

    report_error(CheckFailed(Problem("choose another file with {output}")), out, {"output": "--mapping"})

    assert out.getvalue() == "error: choose another file with --mapping\n"


def test_str_of_an_error_is_the_plain_rendering() -> None:
    error = CheckFailed("first", Problem("rescan with {full}"))

    assert str(error) == "first\nrescan with `full`"
    assert error.problems[1] == Problem("rescan with {full}")


SOURCE = Path(butler.__file__).parent
CORE = sorted(
    path for folder in ("domain", "usecases", "ports", "adapters") for path in (SOURCE / folder).rglob("*.py")
)
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9]*(-[a-z0-9]+)*|-[a-zA-Z])(?![\w-])")


def strings_in(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_no_core_module_names_a_command_line_flag(path: Path) -> None:
    named = [f"line {line}: {m.group(0)}" for line, text in strings_in(path) for m in FLAG.finditer(text)]
    assert named == [], "name the input in a Problem ({chunk_size}); the entry point shows its flag"


def test_the_scan_sees_a_flag_in_a_string() -> None:
    texts = ["pass --force", "choose another -o", "x-ray, non-empty, -1, a - b", "rescan with `full`"]
    assert [bool(FLAG.search(text)) for text in texts] == [True, True, False, False]


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_problem_templates_are_written_in_the_code_not_built_from_data(path: Path) -> None:
    # An f-string template would read braces in a path or a name as fields.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    built = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Problem"
        and node.args
        and any(isinstance(part, ast.JoinedStr) for part in ast.walk(node.args[0]))
    ]
    assert built == []


def _named_inputs(path: Path) -> set[str]:
    """The inputs the `Problem`s of a module name: its templates' fields that no keyword gives a value."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem"):
            continue
        # A template may be put together from pieces written in the code: each piece's fields count.
        pieces = [part.value for part in ast.walk(node.args[0]) if isinstance(part, ast.Constant)]
        values = {keyword.arg for keyword in node.keywords}
        for piece in pieces:
            named |= {name for name in Problem(str(piece)).inputs if name not in values}
    return named


def _help_texts(capsys: pytest.CaptureFixture[str]) -> str:
    from butler.entrypoints import cli
    from butler.entrypoints.scraper import main as scraper

    runs = [(cli.run, [name, "--help"]) for name in cli.COMMANDS]
    runs += [(cli.run, ["config", "init", "--help"]), (scraper.run, ["--help"])]
    for run, argv in runs:
        with contextlib.suppress(SystemExit):  # argparse ends the process after printing a command's help
            run(argv)
    return capsys.readouterr().out


def test_every_input_a_problem_names_is_a_flag_the_cli_accepts(capsys) -> None:
    # A misspelt input would send the operator to a flag no command has.
    everywhere = sorted(
        path for folder in ("domain", "usecases", "adapters") for path in (SOURCE / folder).rglob("*.py")
    )
    named = set().union(*map(_named_inputs, everywhere))
    helps = _help_texts(capsys)
    accepted = {flag for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", helps)}

    assert len(named) > 10
    assert sorted(name for name in named if flag_for(name) not in accepted) == []
