"""Idea boards: ideas, votes, statuses with official responses, merges, a roadmap."""
