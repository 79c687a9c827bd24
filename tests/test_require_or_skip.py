"""A test whose system dependency is missing: skipped locally, failed under CI."""

import pytest

from tests.conftest import in_ci, require_or_skip


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_under_ci_a_missing_dependency_fails(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI is set and chromium is missing"):
        require_or_skip("chromium is missing")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_locally_a_missing_dependency_skips(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="^chromium is missing$"):
        require_or_skip("chromium is missing")
