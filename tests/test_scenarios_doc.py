"""docs/scenarios.md documents every world, feature, category, fault kind and parameter."""

from pathlib import Path

import pytest

from lab.drift import DRIFTS
from lab.worlds import WORLDS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "scenarios.md").read_text()


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_every_world_has_a_data_card(kind):
    world = WORLDS[kind]
    assert f"### `{kind}`" in DOC
    for name in world.param_names():
        assert f"`{name}`" in DOC, name
    for feature in world.schema.features:
        assert f"| `{feature.name}` |" in DOC, feature.name
        for category in feature.categories:
            assert f"`{category}`" in DOC, (feature.name, category)


@pytest.mark.parametrize("kind", sorted(DRIFTS))
def test_every_fault_kind_and_parameter_is_documented(kind):
    row = next((line for line in DOC.splitlines() if line.startswith(f"| `{kind}` |")), None)
    assert row, f"no row for {kind}"
    assert DRIFTS[kind].category in row
    for name in DRIFTS[kind].param_names():
        if name not in ("onset", "shape", "width", "seed"):
            assert f"`{name}`" in row, (kind, name)
    for timing in ("onset", "shape", "width", "seed"):
        assert f"| `{timing}` |" in DOC
