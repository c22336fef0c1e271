"""Admin pages (see appraisals/admin/__init__.py)."""
