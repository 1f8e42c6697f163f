"""Computational-graph diagrams (TikZ, Mermaid, SVG) drawn from one graph description."""
