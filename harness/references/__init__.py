"""Reference articles: the texts, their edits and facts, checks, and adding new ones."""
