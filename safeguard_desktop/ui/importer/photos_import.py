"""File ▸ Import pupil photos: choose the folder, see what matches, then import — off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.pupils import photos
from safeguard_desktop.services.pupils.photos import PhotoImport
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.ops import run_op

TITLE = "Import pupil photos"


def summary_text(result: object) -> str:
    """What the preview found, in plain words (at most a screenful of file names)."""

    assert isinstance(result, PhotoImport)
    lines = [f"{len(result.matched)} photo(s) match a pupil by UPN or admission number."]
    problems = [f"{name}: matches no pupil" for name in result.unmatched]
    problems += [f"{name}: {why}" for name, why in result.rejected]
    if problems:
        lines.append(f"{len(problems)} file(s) will be left out:")
        lines += [f"  • {p}" for p in problems[:12]]
        if len(problems) > 12:
            lines.append(f"  … and {len(problems) - 12} more")
    return "\n".join(lines)


class PhotoImportFlow:
    """Choose the folder → preview (nothing saved) → confirm → import, each step off the GUI thread."""

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self.context = context
        self.parent = parent

    def start(self) -> None:
        """Ask for the folder of photos."""
        steps.current().choose_folder(
            self.parent, "Folder of pupil photos (named by UPN or admission no.)", Path.home(), self.preview
        )

    def preview(self, folder: Path) -> None:
        """What the folder holds and what matches; nothing is saved yet."""

        run_op(self.context, self.parent, photos.import_folder, folder, apply=False, title=TITLE,
               progress="Reading the photos…", on_done=lambda found: self._previewed(folder, found))  # fmt: skip

    def _previewed(self, folder: Path, result: object) -> None:
        text = summary_text(result)
        if not getattr(result, "matched", None):
            steps.current().tell(self.parent, TITLE, text + "\nNothing was imported.")
            return
        steps.current().confirm(self.parent, TITLE, text + "\n\nImport the matching photos now?", yes="Import",
                                then=lambda: self._apply(folder))  # fmt: skip

    def _apply(self, folder: Path) -> None:
        run_op(self.context, self.parent, photos.import_folder, folder, apply=True, title=TITLE,
               also_changes=(Topic.PUPILS,), progress="Importing the photos…", on_done=self._imported)  # fmt: skip

    def _imported(self, result: object) -> None:
        count = len(getattr(result, "matched", ()))
        steps.current().tell(self.parent, TITLE, f"Imported {count} photo(s). They appear on the staff briefings.")
