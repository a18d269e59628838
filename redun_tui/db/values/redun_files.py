"""Stand-ins for redun's file classes (``redun.file``): File, Dir, FileSet, staging, S3.

Each keeps the path and hash redun recorded and prints as redun prints it; none touches the
filesystem. Separate from the other redun classes because the TUI lists these (see
:func:`redun_tui.db.values.iter_files`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from redun_tui.db.values.standins import StandIn
from redun_tui.db.values.text import _short_hash, _Str

# ---------------------------------------------------------------------------------------
# Stand-ins for redun's classes
# ---------------------------------------------------------------------------------------


class File(StandIn):
    """redun's ``File`` (``redun.file.File``): a path and the content hash redun recorded."""

    _pickle_name = "redun.file.File"
    type_basename = "File"
    type_name = "redun.File"

    def __init__(self, path: Any = "") -> None:
        # redun would hash the file on disk here; a browser only shows what was recorded.
        self.path = path
        self._hash = None

    @property
    def hash(self) -> Any:
        """The recorded hash ('' if the pickle did not record one)."""
        return self._hash or ""

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        self._hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(path="
        yield _Str(self.path)
        yield ", hash="
        yield _Str(_short_hash(self.hash))
        yield ")"


class IFile(File):
    """redun's ``IFile`` (immutable file)."""

    _pickle_name = "redun.file.IFile"
    type_basename = "IFile"
    type_name = "redun.IFile"


class ContentFile(File):
    """redun's ``ContentFile`` (type name ``redun.ConentFile``, sic)."""

    _pickle_name = "redun.file.ContentFile"
    type_basename = "ContentFile"
    type_name = "redun.ConentFile"


class FileSet(StandIn):
    """redun's ``FileSet``: a glob pattern and its recorded hash (printed in full, as redun)."""

    _pickle_name = "redun.file.FileSet"
    type_basename = "FileSet"
    type_name = "redun.FileSet"

    def __init__(self, pattern: Any = "") -> None:
        self.pattern = pattern
        self._hash = None

    @property
    def hash(self) -> Any:
        """The recorded hash ('' if none)."""
        return self._hash or ""

    def __setstate__(self, state: Any) -> None:
        self.pattern = state["pattern"]
        self._hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield "FileSet(pattern="
        yield _Str(self.pattern)
        yield ", hash="
        yield _Str(self.hash)
        yield ")"


class IFileSet(FileSet):
    """redun's ``IFileSet``."""

    _pickle_name = "redun.file.IFileSet"
    type_basename = "IFileSet"
    type_name = "redun.IFileSet"


class ContentFileSet(FileSet):
    """redun's ``ContentFileSet`` (type name ``redun.CnotentFileSet``, sic)."""

    _pickle_name = "redun.file.ContentFileSet"
    type_basename = "ContentFileSet"
    type_name = "redun.CnotentFileSet"


class Dir(FileSet):
    """redun's ``Dir``: a directory path and its recorded hash."""

    _pickle_name = "redun.file.Dir"
    type_basename = "Dir"
    type_name = "redun.Dir"

    def __init__(self, path: Any = "") -> None:
        self.path = path.rstrip("/") if isinstance(path, str) else path
        super().__init__(_join_pattern(self.path))

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        super().__setstate__({"pattern": _join_pattern(self.path), "hash": state["hash"]})

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(path="
        yield _Str(self.path)
        yield ", hash="
        yield _Str(_short_hash(self.hash))
        yield ")"


def _join_pattern(path: Any) -> Any:
    return posixpath.join(path, "**") if isinstance(path, str) else path


class IDir(Dir):
    """redun's ``IDir``."""

    _pickle_name = "redun.file.IDir"
    type_basename = "IDir"
    type_name = "redun.IDir"


class ContentDir(Dir):
    """redun's ``ContentDir``."""

    _pickle_name = "redun.file.ContentDir"
    type_basename = "ContentDir"
    type_name = "redun.ContentDir"


class StagingFile(StandIn):
    """redun's ``StagingFile``: a local File and the remote File it is staged from/to."""

    _pickle_name = "redun.file.StagingFile"
    type_basename = "StagingFile"
    type_name = "redun.StagingFile"

    def __init__(self, local: Any = None, remote: Any = None) -> None:
        self.local = local
        self.remote = remote

    def __setstate__(self, state: Any) -> None:
        self.local = state["local"]
        self.remote = state["remote"]

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(local="
        yield _Str(self.local)
        yield ", remote="
        yield _Str(self.remote)
        yield ")"


class IStagingFile(StagingFile):
    """redun's ``IStagingFile``."""

    _pickle_name = "redun.file.IStagingFile"
    type_basename = "IStagingFile"
    type_name = "redun.IStagingFile"


class ContentStagingFile(StagingFile):
    """redun's ``ContentStagingFile``."""

    _pickle_name = "redun.file.ContentStagingFile"
    type_basename = "ContentStagingFile"
    type_name = "redun.ContentStagingFile"


class StagingDir(StagingFile):
    """redun's ``StagingDir``."""

    _pickle_name = "redun.file.StagingDir"
    type_basename = "StagingDir"
    type_name = "redun.StagingDir"


class IStagingDir(StagingDir):
    """redun's ``IStagingDir``."""

    _pickle_name = "redun.file.IStagingDir"
    type_basename = "IStagingDir"
    type_name = "redun.IStagingDir"


class ContentStagingDir(StagingDir):
    """redun's ``ContentStagingDir``."""

    _pickle_name = "redun.file.ContentStagingDir"
    type_basename = "ContentStagingDir"
    type_name = "redun.ContentStagingDir"


class ShardedS3Dataset(StandIn):
    """redun's ``ShardedS3Dataset``: an S3 path, a format and the shard file names."""

    _pickle_name = "redun.file.ShardedS3Dataset"
    type_name = "redun.ShardedS3Dataset"

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        self.format = state["format"]
        self.recurse = state["recurse"]
        self.filenames = state["files"]
        self.hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield "ShardedS3Dataset(path="
        yield _Str(self.path)
        yield ", format="
        yield _Str(self.format)
        yield ", recurse="
        yield _Str(self.recurse)
        yield ", hash="
        yield _Str(self.hash)
        yield ")"
