"""File ▸ Import pupil photos: choose the folder, see what matches, then import — off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from safeguard_desktop.ui.context import AppContext


def summary_text(result: object) -> str:
    """What the preview found, in plain words (at most a screenful of file names)."""
    from safeguard_desktop.services.photos import PhotoImport

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
    """Preview (nothing saved) → confirm → import. ``confirm`` is asked with the preview's text."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget,
        folder: str | None = None,
        confirm: Callable[[str], bool] | None = None,
        on_finished: Callable[[str], None] | None = None,
    ) -> None:
        self.context = context
        self.parent = parent
        self.confirm = confirm or self._ask
        self.on_finished = on_finished or (lambda message: QMessageBox.information(parent, "Pupil photos", message))
        if folder is None:
            folder = QFileDialog.getExistingDirectory(parent, "Folder of pupil photos (named by UPN or admission no.)")
        self.folder = Path(folder) if folder else None
        self.job = None
        if self.folder is not None:
            self._run(apply=False)

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(
            self.parent, "Import pupil photos", text + "\n\nImport the matching photos now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes,
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, *, apply: bool) -> None:
        from safeguard_desktop.services import photos
        from safeguard_desktop.services.transaction import write_session
        from safeguard_desktop.ui.background import Cancelled, Progress, run_in_background

        engine, actor, folder = self.context.engine, self.context.actor, self.folder
        assert folder is not None
        dialog = QProgressDialog("Reading the photos…" if not apply else "Importing…", "Cancel", 0, 100, self.parent)
        dialog.setWindowTitle("Pupil photos")
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)

        def work(progress: Progress) -> photos.PhotoImport:
            with write_session(engine) as session:
                return photos.import_folder(
                    session, actor, folder, apply=apply, progress=lambda d, t: progress.update(d, t, "")
                )

        def on_progress(done: int, total: int, _message: str) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done)

        def on_done(result: photos.PhotoImport) -> None:
            dialog.reset()
            if not apply:
                if result.matched and self.confirm(summary_text(result)):
                    self._run(apply=True)
                elif not result.matched:
                    self.on_finished(summary_text(result) + "\nNothing was imported.")
                return
            self.context.changed.emit("pupils")
            self.on_finished(f"Imported {len(result.matched)} photo(s). They appear on the staff briefings.")

        def on_error(exc: Exception) -> None:
            dialog.reset()
            self.on_finished("Cancelled: no photo was imported." if isinstance(exc, Cancelled) else str(exc))

        self.job = run_in_background(work, on_done, on_error, on_progress, parent=self.parent)
        dialog.canceled.connect(self.job.cancel)
