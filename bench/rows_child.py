"""Child process of the rows benchmark, on a copy of an encrypted register at a trust's size (argv[1]), signed in as
its lead: argv[2] is what to measure, printed as figures on one line.

- ``baseline``: the entry vouching for every row (as the first lead sign-in after the upgrade writes it): seconds,
  size of its record in MB, rows.
- ``import CSV on|off``: an MIS import of the CSV with the rows it writes vouched for, or with the engine's writer
  unset (no marks, no record of rows: the same import as on a register without accounts): seconds.
- ``check``: the lead's full check of the trail with every row compared: seconds, the process's peak memory (MiB)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import peak_mib
from sqlalchemy import select

from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, sign_in
from safeguard_desktop.services.records import row_vouch, trail_check
from safeguard_desktop.store.engine import read_session, state_of, write_session
from safeguard_desktop.store.models import AuditRows


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    reg, lead = sign_in(folder, "dsl", DEMO_ACCOUNTS[0][1])
    if mode == "baseline":
        started = time.perf_counter()
        with write_session(reg.engine) as session:
            sequence = row_vouch.vouch_for_everything(session, lead)
        seconds = time.perf_counter() - started
        with read_session(reg.engine) as session:
            blob = session.scalar(select(AuditRows).where(AuditRows.sequence == sequence))
            assert blob is not None
            rows = sum(len(part["keys"]) for part in row_vouch.unpack(blob.rows)["rows"].values())
        print(f"{seconds:.3f} {len(blob.rows) / 1e6:.2f} {rows}")
    elif mode == "import":
        from safeguard_desktop.services.pupils import mis_import
        from safeguard_desktop.services.pupils.mis_files import read_pupil_file

        table = read_pupil_file(Path(sys.argv[3]))
        if sys.argv[4] == "off":
            state_of(reg.engine).signer = None
        started = time.perf_counter()
        with write_session(reg.engine) as session:
            mis_import.apply(session, lead, table)
        print(f"{time.perf_counter() - started:.3f}")
    else:
        started = time.perf_counter()
        with read_session(reg.engine) as session:
            result = trail_check.check(session, lead, folder, reg.keys)
        seconds = time.perf_counter() - started
        assert result.intact, result.describe()
        print(f"{seconds:.3f} {peak_mib():.1f}")
    reg.close()


if __name__ == "__main__":
    main()
