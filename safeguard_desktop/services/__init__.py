"""Use cases: each checks the acting user's permission, works in one transaction, audits, returns plain data."""
