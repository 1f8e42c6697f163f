"""Whole runs behind the public API: streaming generation over worker processes, and merging shards.

``exgen.api`` checks what the caller gave and calls these; they do the work student by student, so memory
does not grow with the class, and give the same files for any ``--jobs`` and any ``--shard`` split.
"""
