"""`make run`'s entry point prepares the app while the server starts: the store of the data
folder is opened through the app's own cache and the portfolio page's first view computed, so
the first visitor's page finds both ready, with the same figures."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from appkit import open_page

from kamdash.engine.measures import measure
from kamdash.engine.store import Store
from kamdash.report.formatting import format_measure
from kamdash.ui import serve
from kamdash.ui.data import open_data


@pytest.fixture
def own_export(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # a folder of its own, so no other test's open of the sample is what this one finds
    folder = tmp_path / "export"
    shutil.copytree(data_dir, folder)
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def computed_views(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every account view the stores compute while the test runs."""
    calls: list[object] = []
    compute = Store._compute_view

    def counted(self: Store, *args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return compute(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_compute_view", counted)
    yield calls


def test_the_first_page_finds_the_store_and_its_view_prepared(
    own_export: Path, computed_views: list[object]
) -> None:
    serve.prepare()
    assert len(computed_views) == 1
    opened = open_data(own_export)
    assert opened.store is not None

    at = open_page()

    # the page computed no view of its own: it read the prepared one
    assert len(computed_views) == 1
    (view,) = opened.store._account_rows.values()
    revenue = measure("revenue").label("en")
    shown = {tile.label: tile.value for tile in at.metric}
    assert shown[revenue] == format_measure(
        view.portfolio[0]["revenue"], "revenue", "en", short=True
    )


def test_a_folder_that_is_not_there_leaves_the_page_to_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, computed_views: list[object]
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(tmp_path / "missing"))
    serve.prepare()  # logs and returns; the server keeps running

    assert computed_views == []
    at = open_page()
    assert "missing" in " ".join(e.value for e in at.error)


def test_a_page_that_arrives_during_the_build_shares_it_and_hears_its_steps(
    own_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kamdash.ui.data as ui_data

    monkeypatch.setenv("KAMDASH_CACHE_DIR", str(tmp_path / "cache"))  # nothing built yet
    builds: list[object] = []
    heard_by_page = threading.Event()
    open_store = ui_data.open_store

    def held_open(folder: str, **kwargs: Any) -> Store:
        """The real open, held at its first table until the waiting page has seen it."""
        builds.append(folder)
        progress = kwargs.pop("progress")

        def hold(done: int, total: int, step: str) -> None:
            progress(done, total, step)
            if step == "int_accounts":
                heard_by_page.wait(timeout=60)

        return open_store(folder, progress=hold, **kwargs)

    monkeypatch.setattr(ui_data, "open_store", held_open)
    waits: list[tuple[int, int, str]] = []

    def on_wait(preparing: ui_data.Preparing) -> None:
        waits.append((preparing.done, preparing.total, preparing.step))
        if preparing.step == "int_accounts":
            heard_by_page.set()

    started = threading.Thread(target=serve.prepare)  # the server's own open, begun first
    started.start()
    opened = open_data(own_export, on_wait=on_wait)
    started.join(timeout=120)

    assert opened.store is not None
    assert len(builds) == 1  # the page waited for the server's build, it did not start another
    assert "int_accounts" in [step for _, _, step in waits]
    assert [done for done, _, _ in waits] == sorted(done for done, _, _ in waits)
    # before its first step (files are being listed) a wait hears no step yet; after, each
    # hears the same count of steps
    started_waits = [wait for wait in waits if wait != (0, 0, "")]
    total = started_waits[0][1]
    assert total > 10 and all(t == total for _, t, _ in started_waits)

    waits.clear()
    assert open_data(own_export, on_wait=on_wait).store is opened.store
    assert waits == []  # built once: a later page waits for nothing
