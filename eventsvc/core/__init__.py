"""Pieces every capability uses: column types, errors, time helpers, permissions."""
