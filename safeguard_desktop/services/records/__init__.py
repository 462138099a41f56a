"""The records kept about the records: the audit trail and its check, backups, retention, subject access."""
