"""Tags: labels shared across spaces; a tag page lists only what the viewer may read."""
