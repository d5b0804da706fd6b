"""`python -m tests.killpoint STEP serve …`: the service, stopped dead at one step of a
corpus change, for a test to SIGKILL it there.

Each step is a function of the change's path (journal the intent, place or remove the
file, write the new build, close the journal); at the step the process writes the file
`$XUHUI_KILL_MARKER` and waits forever, so the kill lands exactly between two steps. The
functions are wrapped here, in the child process, not in the service's code."""

from __future__ import annotations

import functools
import importlib
import os
import sys
import time
from pathlib import Path

# step → (module, attribute, whether the process stops before or after it runs)
STEPS = {
    "journaled": ("app.index.journal", "Journal.begin", "after"),  # the intent, not the file
    "placed": ("app.web.uploads", "_place", "after"),  # an upload's file in the corpus
    "removed": ("app.web.routes.admin", "remove_file", "after"),  # a delete's file gone
    "building": ("app.index.build", "save_index", "before"),  # new rows written, not in service
    "saved": ("app.index.journal", "Journal.settle", "before"),  # in service, journal open
}


def install(step: str, marker: Path) -> None:
    module_name, attribute, when = STEPS[step]
    owner = importlib.import_module(module_name)
    *parents, name = attribute.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)

    def stop_here() -> None:
        marker.write_text(step, encoding="utf-8")
        while True:
            time.sleep(60)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        if when == "before":
            stop_here()
        result = original(*args, **kwargs)
        stop_here()
        return result

    setattr(owner, name, wrapped)


if __name__ == "__main__":
    step, *arguments = sys.argv[1:]
    install(step, Path(os.environ["XUHUI_KILL_MARKER"]))
    from app.cli import main

    raise SystemExit(main(arguments))
