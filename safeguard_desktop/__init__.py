"""Safeguard Desktop: photo/video consent, performance notices and online-safety records for UK schools."""

__version__ = "0.1.0"
