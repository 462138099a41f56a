"""Key slots and commits never disagree: password resets killed at every moment — at the slot write, between it
and the commit, between the commit and settling the slot, and at random — never lock the account out, and the
password that opens is always the one the register committed."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeguard_desktop import faultpoints
from safeguard_desktop.services.accounts import SignInFailed
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, sign_in

ROOT = Path(__file__).resolve().parent.parent
DSL_USER, DSL_PASSWORD = DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][1]
STAFF_USER, STAFF_PASSWORD = next((u, p) for u, p, role, _ in DEMO_ACCOUNTS if role.value == "staff")
KILLS = 52
MODES = ("write:after-partial", "slots:after-pending", "slots:after-commit", "random")


def _opens(folder: Path, password: str) -> bool:
    try:
        sign_in(folder, STAFF_USER, password)[0].close()
    except SignInFailed:
        return False
    return True


@pytest.mark.slow
def test_resets_killed_at_any_moment_never_lock_the_account_out(tmp_path: Path) -> None:
    folder = tmp_path / "school"
    made = subprocess.run([sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(folder), "demo",
                           "--pupils", "10"], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    lead = tmp_path / "lead.pw"
    lead.write_text(DSL_PASSWORD, encoding="utf-8")
    rng = random.Random(7)
    current = STAFF_PASSWORD
    lockouts, mismatches = 0, 0
    for kill in range(KILLS):
        mode = MODES[kill % len(MODES)]
        new = f"staff password number {kill:03d}"
        secret = tmp_path / "new.pw"
        secret.write_text(new, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != faultpoints.ENV}
        if mode != "random":
            env[faultpoints.ENV] = mode
        proc = subprocess.Popen([sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(folder), "--user",
                                 DSL_USER, "--password-file", str(lead), "users", "reset-password", STAFF_USER,
                                 "--new-password-file", str(secret)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        if mode == "random":
            time.sleep(rng.uniform(0.3, 1.5))  # start-up, sign-in, the reset: anywhere in them
            proc.kill()
        proc.wait(timeout=300)
        old_opens, new_opens = _opens(folder, current), _opens(folder, new)
        if not (old_opens or new_opens):
            lockouts += 1
        if old_opens and new_opens:
            mismatches += 1  # both cannot be what the register committed
        current = new if new_opens else current
    assert (lockouts, mismatches) == (0, 0)
    # The slots file ends settled: a sign-in after the last kill leaves no pending change behind
    import json

    slots = json.loads((folder / "keyslots.json").read_text(encoding="utf-8"))
    assert slots.get("pending", {}) == {}
