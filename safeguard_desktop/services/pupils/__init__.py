"""Pupils and their import: MIS files read and mapped, rows checked, the import previewed and applied, photos."""
