"""Member profiles: fields and their visibility, the member's export, account deletion."""
