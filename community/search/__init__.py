"""Full-text search over topic titles and posts, filtered by the viewer's permissions."""
