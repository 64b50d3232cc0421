"""Topics: threads, their posts, revisions, and Markdown rendering at write time."""
