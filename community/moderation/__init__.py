"""Moderation: the audit log, and the tools moderators use to keep the community safe."""
