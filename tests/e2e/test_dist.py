"""`make dist` (scripts/dist.sh) in its short mode: the wheel, the sdist and the .vsix are built
and carry the one version, and the wheel installs into a fresh venv whose `arama --version` and
`arama-ls --version` run from the installed copy.

The full check of `make dist` installs the wheel with all its dependencies (torch and the rest,
minutes); here the fresh venv takes the dependencies from this test's environment instead: a
`.pth` file adds its site-packages after the venv's own, and the wheel is installed there with
`--no-deps`, so the `arama` that answers is the wheel's, not the checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from arama import __version__

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "scripts" / "dist.sh"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to package the VS Code extension")
    out = tmp_path_factory.mktemp("dist")
    env = {
        **os.environ,
        "DIST_CHECK": "none",
        "DIST_DIR": str(out),
        "PYTHON": sys.executable,
        "DIST_TOOLS": str(
            Path(os.environ.get("ARAMA_E2E_TOOLS", Path.home() / ".cache" / "arama-e2e"))
            / "dist-tools"
        ),
    }
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        ["bash", str(DIST)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return out


def test_wheel_and_sdist(artifacts: Path) -> None:
    wheel = artifacts / f"arama-{__version__}-py3-none-any.whl"
    sdist = artifacts / f"arama-{__version__}.tar.gz"
    names = zipfile.ZipFile(wheel).namelist()
    assert "arama/lsp/server.py" in names and "arama/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "editor-clients/"))]
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    assert f"arama-{__version__}/pyproject.toml" in members
    assert f"arama-{__version__}/server/arama/cli.py" in members


def test_vsix_carries_the_version(artifacts: Path) -> None:
    vsix = zipfile.ZipFile(artifacts / f"arama-{__version__}.vsix")
    manifest = json.loads(vsix.read("extension/package.json"))
    assert manifest["version"] == __version__
    assert "extension/dist/extension.js" in vsix.namelist()
    assert "extension/media/arama.svg" in vsix.namelist()


def test_wheel_installs_into_a_fresh_venv(artifacts: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    wheel = artifacts / f"arama-{__version__}-py3-none-any.whl"
    # Nothing of the checkout on the path (PYTHONPATH would make pip see arama as installed).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
        env=env,
    )
    # Then the dependencies from this environment, after the venv's own packages (before the
    # install, pip would take this environment's editable arama as already installed).
    (Path(site) / "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    for script in ("arama", "arama-ls"):
        out = subprocess.run(
            [str(env_dir / "bin" / script), "--version"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.stdout.strip() == f"{script} {__version__}", out.stderr[-2000:]
    where = subprocess.run(
        [str(python), "-c", "import arama; print(arama.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(site), f"arama came from {where}, not the installed wheel"
