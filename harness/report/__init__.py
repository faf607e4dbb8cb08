"""Report formats of a comparison: terminal, Markdown, JSON, JUnit XML, HTML."""
