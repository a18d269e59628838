"""Every route opens on every fixture database: no traceback, no error, the record's id shown."""

from __future__ import annotations

import pytest

from redun_tui.store.routes import timeline as timeline_route
from redun_tui.tui.screens.base import BaseScreen


def routes_of(store) -> list[str]:
    """One route of each kind for this database (ids picked through the store)."""
    executions = store.executions().items
    execution = executions[-1]
    root = store.job_children(execution.id, None).items[0]
    children = store.job_children(execution.id, root.id).items
    job = store.job((children or [root])[0].id)
    value = job.result or (job.arguments[0].value if job.arguments else None)
    routes = [
        "executions",
        f"executions/{execution.id}",
        f"executions/{executions[0].id}",
        f"jobs/{root.id}",
        f"jobs/{job.row.id}",
        f"tasks/{job.task.hash}",
        "tasks",
        "files",
        "search/status:done",
        "help",
        timeline_route(execution.id),
        timeline_route(executions[0].id[:8]),
    ]
    if value is not None:
        routes += [f"values/{value.value_hash}", f"dataflow/{value.value_hash}"]
    files = store.files().items
    if files:
        routes.append(f"files/{files[0].value_hash}")
    if len(executions) > 1:
        routes.append(f"diff/{executions[-1].id}/{executions[0].id}")  # the oldest page row against the newest
    return routes


@pytest.mark.parametrize("db_name", ["seed_example.db", "failures.db", "tags.db", "values.db"])
async def test_every_route_opens(make_app, settle, notifications, db_name):
    app = make_app(db_name)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for route in routes_of(app.store):
            app.navigate(route)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BaseScreen)
            kind, _, arg = route.partition("/")
            if arg and kind not in ("search", "files"):
                assert arg in screen.route, route
                assert screen.route.startswith(kind + "/"), (route, screen.route)  # the header shows the record
            errors = [n.message for n in notifications(app) if n.severity in ("error", "warning")]
            assert errors == [], (route, errors)
