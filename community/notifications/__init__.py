"""In-app notifications and topic watching."""
