"""What every screen is built from: the base dialog, the questions it asks, the date field, the one way to run work."""
