"""``files`` (recorded files by path) and ``files/<path-or-hash>`` (versions, producers, readers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding

from redun_tui.formatting import format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.screens.list_screen import ListScreen
from redun_tui.tui.screens.record import RecordScreen, field_block, links_or_none, section, uses_block
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.tui.widgets.paged_list import Column
from redun_tui.views import FileDetail, FileRow, Page


class FilesScreen(ListScreen):
    """``files``: every recorded File version; Enter opens the path."""

    COLUMNS = (
        Column("Path", None, min_width=16),
        Column("Hash", 8),
        Column("Value", None, min_width=10),
        Column("Last used (UTC)", 19),
    )
    EMPTY_TEXT = "No files match."
    PLACEHOLDER = "/ filter by path (* wildcards, e.g. *.vcf)"

    def __init__(self, search: str = "") -> None:
        super().__init__("files", search)

    def cells(self, item: FileRow):
        return (item.path, short_id(item.value_hash), item.preview, format_time(item.last_used))

    def status_of(self, item: FileRow) -> None:
        return None

    def fetch_page(self, search: str, cursor: str | None, limit: int) -> Page[FileRow]:
        return self.store.files(search=search, cursor=cursor, limit=limit)

    def route_of(self, item: FileRow) -> str:
        return routes.file(item.value_hash)

    def id_of(self, item: FileRow) -> str:
        return item.path


class FileScreen(RecordScreen):
    """``files/<path-or-hash>``: every version of a path and the jobs around it."""

    BINDINGS = [Binding("w", "downstream", "Downstream",
                        tooltip="downstream of every version of this file")]

    def __init__(self, path_or_hash: str) -> None:
        super().__init__(routes.file(path_or_hash))
        self.path_or_hash = path_or_hash
        self.path: str | None = None
        self.versions: tuple[str, ...] = ()

    @property
    def copy_text(self) -> str:
        return self.path or self.path_or_hash

    def record_call(self) -> Callable[[], FileDetail]:
        return partial(self.store.file, self.path_or_hash)

    def action_downstream(self) -> None:
        """``w``: what every version of this path fed (``a`` there narrows to one version)."""
        from redun_tui.tui.screens.downstream import DownstreamScreen

        if self.versions:
            self.tui.push_screen(DownstreamScreen(self.versions[0], all_versions=True))

    def show_record(self, detail: FileDetail) -> None:
        self.path = detail.path
        self.versions = tuple(version.value_hash for version in detail.versions)
        widgets = [field_block([("File", detail.path), ("Versions", str(len(detail.versions)))])]
        widgets.append(section(f"Versions ({len(detail.versions)})"))
        widgets.extend(links_or_none([
            RouteLink(f"{short_id(version.value_hash)}  {version.preview}"
                      + ("" if version.last_used is None else f"  last used {format_time(version.last_used)}"),
                      routes.value(version.value_hash))
            for version in detail.versions
        ]))
        widgets.extend(uses_block(detail.produced_by))
        widgets.extend(uses_block(detail.consumed_by))
        self.show(widgets)
