"""Child process of the audit benchmark: check the trail of the register at argv[1] as the CLI does (a read
transaction, streamed), while a second connection records a decision every 50 ms; print the seconds the check
took, the process's own peak memory in MiB, and the slowest of those writes in ms (and how many failed)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import peak_mib

from safeguard_desktop.services.actors import local_lead
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.records import audit, trail_check
from safeguard_desktop.store.engine import read_session, write_session


def main() -> None:
    reg = open_register(sys.argv[1])
    lead = local_lead()
    done = threading.Event()
    writes: list[float] = []
    failed = [0]

    def writer() -> None:
        while not done.is_set():
            started = time.perf_counter()
            try:
                with write_session(reg.engine) as session:
                    audit.record(session, lead, "recorded a decision", "pupil", 1)
                writes.append(time.perf_counter() - started)
            except Exception:
                failed[0] += 1
            time.sleep(0.05)

    thread = threading.Thread(target=writer)
    started = time.perf_counter()
    thread.start()
    with read_session(reg.engine) as session:
        result = trail_check.check(session, lead, reg.folder)
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    assert result.intact, result.describe()
    reg.close()
    print(f"{seconds:.3f} {peak_mib():.1f} {max(writes, default=0) * 1000:.1f} {failed[0]} {len(writes)}")


if __name__ == "__main__":
    main()
