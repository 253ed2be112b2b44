"""Database backends: Django's own, with what golfshots adds (see postgresql/base.py)."""
