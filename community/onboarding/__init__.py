"""Onboarding: the welcome checklist, the guidelines, and moderators' "new this week"."""
