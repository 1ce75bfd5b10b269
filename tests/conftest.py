"""Make the repository root and this folder importable (kamdash, exportkit, oracle)."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
for _path in (_TESTS.parent, _TESTS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def pytest_configure(config: object) -> None:
    # built stores of test exports go to a throwaway folder, not the user's ~/.cache
    import os
    import tempfile

    os.environ.setdefault("KAMDASH_CACHE_DIR", tempfile.mkdtemp(prefix="kamdash-test-cache-"))
