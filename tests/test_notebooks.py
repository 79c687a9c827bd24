"""Every notebook runs top to bottom against the installed library, and is stored the way
the notebooks' README promises: outputs stripped, topic notebooks ending with exercises whose
answers are collapsed."""

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
# Self-study topics (all but the walkthrough) end with exercises and hidden answers.
TOPICS = [p for p in NOTEBOOKS if not p.name.startswith("01-")]


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _hidden(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, lab_home):
    nb = _read(path)
    started = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - started
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # Hidden answers run too: an answer that no longer works is a stale answer.
    answers = [c for c in nb.cells if c.cell_type == "code" and _hidden(c)]
    assert all(c.execution_count for c in answers)
    print(f"{path.name}: {seconds:.0f} s")


def test_there_are_notebooks():
    assert NOTEBOOKS
    # The walkthrough and the six topics of issue #15, numbered in order, none missing.
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}-" for i in range(1, 8)]
    assert len(TOPICS) == 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    code = [c for c in _read(path).cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code), \
        "strip outputs before committing (jupyter nbconvert --clear-output --inplace)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_library(path):
    sources = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    assert "from lab" in sources or "import lab" in sources
    # The lab home is a temporary folder unless the reader set one: a notebook never
    # writes into the reader's own lab.
    assert "os.environ.setdefault('LAB_HOME'" in sources


@pytest.mark.parametrize("path", TOPICS, ids=lambda p: p.name)
def test_topic_ends_with_exercises_and_hidden_answers(path):
    cells = _read(path).cells
    heading = next(i for i, c in enumerate(cells)
                   if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    hidden = [i for i, c in enumerate(cells) if _hidden(c)]
    assert len(hidden) >= 3 and min(hidden) > heading
    for i in hidden:
        assert "Show answer" in cells[i - 1].source and not _hidden(cells[i - 1])
    # Nothing but exercises after the heading: hints, answers and exercise statements.
    assert all(c.cell_type == "markdown" or _hidden(c) for c in cells[heading:])
