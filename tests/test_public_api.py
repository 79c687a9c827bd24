import subprocess
import sys

import lab


def test_exports_are_what_they_claim():
    assert lab.__all__ == sorted(lab.__all__)
    for name in lab.__all__:
        obj = getattr(lab, name)
        assert obj is not None
        module = lab._EXPORTS[name]
        assert getattr(__import__(module, fromlist=[name]), name) is obj


def test_import_is_cheap_and_has_no_side_effects(tmp_path):
    code = ("import sys, lab; heavy = {'mlflow', 'evidently', 'fastapi', 'sklearn'} "
            "& set(sys.modules); print(sorted(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={"LAB_HOME": str(tmp_path / "home"), "PATH": ""})
    assert done.stdout.strip() == "[]", done.stderr
    assert not (tmp_path / "home").exists()
