"""Pure rules of the field: consent, pupils, school years. No I/O, no Qt, no database."""
