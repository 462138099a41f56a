"""Alembic migrations, shipped as package data and applied at start-up after a backup."""
