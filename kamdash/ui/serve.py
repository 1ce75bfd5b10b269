"""`make run`'s entry point: the Streamlit server, with the app prepared while it starts.

`streamlit run app.py` imports nothing of the app and opens no data until the first visitor's
page runs, so that visitor waits for both: on this project's 2-core machine ~4.5 s of imports
(pandas, polars, Altair, DuckDB, the app) and, on a new export, the whole validation and
build of the store (tens of seconds at 150,000 accounts). Here a thread does both as soon as
the server starts. A visitor who arrives while it is still at work waits only for what is
left: the store is opened through the app's own cache (`kamdash.ui.data.open_data`), which
computes a version once however many callers ask for it at the same time.

    python -m kamdash.ui.serve app.py --server.port 8501   # the arguments of `streamlit run`
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import sys
import threading
import time
from typing import TYPE_CHECKING

from streamlit.logger import get_logger

if TYPE_CHECKING:
    from kamdash.engine.store import Store

LOG = get_logger(__name__)


def prepare() -> None:
    """Import the app's modules, open the data folder's store (validating and building it
    into the cache when this version is new) and compute the view the portfolio page opens
    on (every account, the default period). Never raises: a problem with the data is the
    app's to show on the page."""
    started = time.monotonic()
    import kamdash.ui

    for module in pkgutil.iter_modules(kamdash.ui.__path__, "kamdash.ui."):
        importlib.import_module(module.name)
    from kamdash.ui.data import data_dir, open_data

    imported = time.monotonic()
    try:
        opened = open_data(data_dir())
        opened_at = time.monotonic()
        if opened.store is not None:
            _first_view(opened.store)
    except Exception:  # the page reports it in words; the server must keep running
        LOG.warning("the data could not be prepared before the first page", exc_info=True)
        return
    LOG.info(
        "prepared before the first page: imports %.1f s, data %.1f s, first view %.1f s",
        imported - started,
        opened_at - imported,
        time.monotonic() - opened_at,
    )


def _first_view(store: Store) -> None:
    """The account view the portfolio page asks first (no filter, the default period),
    kept in the store's view cache, which every viewer's copy of the store shares."""
    from kamdash.engine import access
    from kamdash.ui import filters

    _, last = access.data_range(store)
    default, _ = filters.parse({}, filters.Options(), filters.anchor_date(last, dt.date.today()))
    store.account_view(default.now_and_prior)


def main() -> int:
    from streamlit.web import cli

    threading.Thread(target=prepare, name="kamdash-prepare", daemon=True).start()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    return int(cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
