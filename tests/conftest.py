"""Shared test set-up: importable repository and tests folder, a throwaway store cache and
the sample export."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
for _path in (_TESTS.parent, _TESTS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def pytest_configure(config: object) -> None:
    # built stores of test exports go to a throwaway folder, not the user's ~/.cache
    import os
    import tempfile

    os.environ.setdefault("KAMDASH_CACHE_DIR", tempfile.mkdtemp(prefix="kamdash-test-cache-"))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample export (generated with the package's generator if absent); test
    modules with their own hand-made export override this fixture."""
    sample = _TESTS.parent / "sample_data"
    if (sample / "accounts.parquet").exists():
        return sample
    from kamdash.tools.generate import generate_export

    folder = tmp_path_factory.mktemp("sample_data")
    generate_export(folder)
    return folder


@pytest.fixture
def open_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """`appkit.open_page` on this module's `data_dir`."""
    from appkit import open_page

    monkeypatch.setenv("KAMDASH_DATA_DIR", str(data_dir))
    return open_page
