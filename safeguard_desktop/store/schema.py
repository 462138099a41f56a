"""The schema revision this build expects, importable without SQLAlchemy or Alembic."""

#: The newest migration this build knows. A test checks it matches Alembic's head.
HEAD_REVISION = "0028_server_handover"
KNOWN_REVISIONS = (
    "0001_initial",
    "0002_audit_chain",
    "0003_events",
    "0004_incidents",
    "0005_legal_hold",
    "0006_accounts",
    "0007_settings",
    "0008_pupil_photos",
    "0009_reporter_copy",
    "0010_reporter_account",
    "0011_totp_last_step",
    "0012_contacts",
    "0013_staff_room",
    "0014_sealed_incident_facts",
    "0015_signed_audit_entries",
    "0016_event_archive",
    "0017_incident_list_index",
    "0018_entry_happened_at",
    "0019_cp_transfer",
    "0020_incident_owner",
    "0021_no_password_hashes",
    "0022_restricted_cases",
    "0023_audit_rows",
    "0024_second_factor",
    "0025_chain_key_inside",
    "0026_server_key",
    "0027_trust_summary",
    "0028_server_handover",
)
