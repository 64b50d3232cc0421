"""Spaces: public, closed and employee communities, and their memberships."""
