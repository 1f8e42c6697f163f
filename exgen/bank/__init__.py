"""What the instructor wrote: bank files (YAML with line numbers), their validation, rosters, parameter docs."""
