"""House rules that keep the code in shape: Qt only in ui/, generated forms fresh."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "safeguard_desktop"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_ui_package_imports_pyside6() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        and any(m.split(".")[0] in ("PySide6", "shiboken6") for m in imported_modules(p))
    ]
    assert offenders == []
    ui_files = [p for p in (PACKAGE / "ui").rglob("*.py") if "PySide6" in p.read_text(encoding="utf-8")]
    assert ui_files, "the ui package should import PySide6"


def test_the_cli_runs_without_loading_qt() -> None:
    code = "import sys, safeguard_desktop.cli; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def _body(text: str) -> list[str]:
    # Skip the generator's banner, which names the uic version.
    return [line for line in text.splitlines() if not line.startswith("##")]


def test_compiled_forms_are_fresh(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import compile_forms
    finally:
        sys.path.pop(0)
    forms = sorted((ROOT / "forms").glob("*.ui"))
    assert forms
    for form in forms:
        fresh = tmp_path / f"ui_{form.stem}.py"
        compile_forms.compile_form(form, fresh)
        committed = PACKAGE / "ui" / "forms" / f"ui_{form.stem}.py"
        assert _body(committed.read_text(encoding="utf-8")) == _body(fresh.read_text(encoding="utf-8")), (
            f"{committed.name} is stale: run python scripts/compile_forms.py"
        )


def test_every_module_says_what_it_is_for() -> None:
    missing = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "forms" not in p.parts and "versions" not in p.parts and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []


# Calls that exist only on POSIX (or only mean something there): each use must be guarded and say so.
_POSIX_ONLY = re.compile(
    r"\bos\.(fork|forkpty|setsid|getuid|geteuid|getgid|killpg|mkfifo|getpgid|setpgrp)\b|signal\.SIG(KILL|STOP|HUP|USR[12]|CHLD|ALRM)\b"
    r"|^\s*(import|from)\s+(resource|fcntl|pwd|grp|termios|tty|pty)\b|preexec_fn\s*=|[\"']/tmp/"
)


def test_no_unguarded_posix_only_calls_in_the_code_tests_or_bench() -> None:
    root = Path(__file__).resolve().parent.parent
    found = []
    for folder in ("safeguard_desktop", "tests", "bench"):
        for path in (root / folder).rglob("*.py"):
            if path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _POSIX_ONLY.search(line) and "posix-only: guarded" not in line:
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == []


def _ui_modules() -> list[Path]:
    return sorted((PACKAGE / "ui").rglob("*.py"))


def _calls(tree: ast.AST) -> list[str]:
    """Every call in ``tree`` written as a dotted name ("QMessageBox.warning", "audit.record", "dialog.exec")."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = []
            func: ast.AST = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
            found.append(".".join(reversed(parts)))
    return found


def test_no_screen_opens_a_session_or_writes_the_audit_trail() -> None:
    """Screens reach the services only through ui/kit/ops.py, which opens the one transaction; services write
    their own audit entries."""
    offenders = []
    for path in _ui_modules():
        if path == PACKAGE / "ui" / "kit" / "ops.py":
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for banned in ("read_session", "write_session", "sessionmaker", "Session"):
            if banned in names:
                offenders.append(f"{path.relative_to(ROOT)}: {banned}")
        offenders += [f"{path.relative_to(ROOT)}: {call}()" for call in _calls(tree)
                      if call in ("audit.record", "record", "audit.record_output", "record_output")]  # fmt: skip
    assert offenders == []


def test_every_dialog_is_the_base_dialog_and_none_blocks() -> None:
    """One base dialog (geometry, fit to the screen, a question before typed work is lost); dialogs open with
    open(). Only the start-up (before any window exists) and the last-resort handler may block."""
    may_block = {PACKAGE / "ui" / "app.py", PACKAGE / "ui" / "excepthook.py", PACKAGE / "ui" / "kit" / "steps.py"}
    bare, blocking = [], []
    for path in _ui_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            bases = [getattr(b, "id", "") for b in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and "QDialog" in bases and path != PACKAGE / "ui" / "kit" / "dialog.py":
                bare.append(f"{path.relative_to(ROOT)}: {node.name}")
        if path in may_block:
            continue
        for call in _calls(tree):
            static = re.fullmatch(r"Q(MessageBox\.(information|warning|critical|question)|FileDialog\.get\w+|"
                                  r"InputDialog\.get\w+)", call)  # fmt: skip
            if static or (call.endswith(".exec") and not call.startswith("app")):
                blocking.append(f"{path.relative_to(ROOT)}: {call}()")
    assert bare == [] and blocking == []


def test_lists_are_models_not_item_widgets() -> None:
    """Tables of records go through ui/kit/table.ReadOnlyTable (a model reset, columns sized once): an item widget
    whose header fits its contents re-measures on every item set (a filter in the audit trail froze the window for
    208 s). The one item table left is the consent-file import's form of a file's few column names."""
    allowed = {PACKAGE / "ui" / "importer" / "consent_files.py"}
    offenders = []
    for path in _ui_modules():
        if path in allowed or path.parent.name == "forms":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        offenders += [f"{path.relative_to(ROOT)}: {name}" for name in ("QTableWidget", "QTableWidgetItem")
                      if name in names]  # fmt: skip
        # (ui/kit/table.py measures rows only for wrap=True, the option for short tables such as a chronology)
        if path.name != "table.py" and re.search(r"setSectionResizeMode\([^)]*ResizeToContents",
                                                 path.read_text(encoding="utf-8")):  # fmt: skip
            offenders.append(f"{path.relative_to(ROOT)}: a header that re-measures its contents on every change")
    assert offenders == []
