"""Import a pupil list from the MIS: choose a file, map columns, preview, apply."""
