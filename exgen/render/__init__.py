"""Documents: Markdown, LaTeX, HTML and PDF from instances; diagrams and plots drawn at render time."""
