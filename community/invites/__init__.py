"""Invites: links (or e-mails) that bring people into the community, closed spaces and groups."""
