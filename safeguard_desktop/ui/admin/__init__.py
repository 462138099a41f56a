"""Settings screens: school details and consent purposes."""
