"""Acting on members: warnings, silences and suspensions, with their history."""
