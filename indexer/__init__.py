"""Moves posting changes from the database (the search outbox) to the search backend."""
