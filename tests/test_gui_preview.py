"""The PDF preview's "Open in viewer": the copy stays inside the register's folder and goes when the preview
closes, and whatever a viewer kept is cleared at the next start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from safeguard_desktop import paths
from safeguard_desktop.documents.fonts import register_fonts
from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog


class Viewer(QObject):
    """Stands in for the system's PDF viewer: Qt hands it the file: URL it would have opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def show(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


def _pdf() -> bytes:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    regular, _ = register_fonts()
    out = BytesIO()
    canvas = Canvas(out)
    canvas.setFont(regular, 12)
    canvas.drawString(72, 720, "Helpline summary — Zoë Smith")
    canvas.save()
    return out.getvalue()


def test_open_in_viewer_keeps_the_copy_in_the_register_folder_and_removes_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path / "register"
    app = QApplication.instance()
    app.setProperty("viewing_folder", str(paths.viewing_dir(base)))
    viewer = Viewer()
    QDesktopServices.setUrlHandler("file", viewer, "show")
    try:
        outputs: list[str] = []
        dialog = PdfPreviewDialog(_pdf(), "Helpline summary", "helpline-named.pdf", on_output=outputs.append)
        qtbot.addWidget(dialog)
        opened = dialog.open_in_viewer()
        assert opened is not None and Path(opened).parent == paths.viewing_dir(base)
        assert viewer.opened == [opened] and Path(opened).read_bytes().startswith(b"%PDF")
        assert outputs == ["opened in the viewer"]
        dialog.done(0)
        assert not Path(opened).exists()
        # A copy left by a session that ended without closing the preview is cleared at the next start
        paths.viewing_dir(base).mkdir(parents=True, exist_ok=True)
        (paths.viewing_dir(base) / "left-behind.pdf").write_bytes(b"%PDF-1.4")
        assert paths.clear_viewing(base) == 1 and list(paths.viewing_dir(base).iterdir()) == []
    finally:
        QDesktopServices.unsetUrlHandler("file")
        app.setProperty("viewing_folder", None)


def test_the_last_resort_handler_names_the_disk_and_logs_no_personal_data(qtbot, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    import errno
    import logging
    import sys

    from safeguard_desktop.ui import excepthook

    # A full disk is said as such; the unexpected gets a calm sentence pointing at the log
    full = OSError(errno.ENOSPC, "No space left on device")
    assert "disk is full" in excepthook.message_for(full, tmp_path)
    odd = KeyError("Zoë Smith")
    assert "did not expect" in excepthook.message_for(odd, tmp_path) and str(tmp_path) in excepthook.message_for(
        odd, tmp_path
    )
    # The handler logs the kind and where, never the message (which may name a pupil), and shows the sentence
    shown: list[str] = []
    hook = excepthook.make_hook(tmp_path, shown.append)
    try:
        raise odd
    except KeyError:
        kind, error, tb = sys.exc_info()
    with caplog.at_level(logging.ERROR, logger="safeguard_desktop"):
        hook(kind, error, tb)
    assert "KeyError" in caplog.text and "Zoë" not in caplog.text and "test_gui_preview.py" in caplog.text
    assert len(shown) == 1 and "did not expect" in shown[0] and "Zoë" not in shown[0]
