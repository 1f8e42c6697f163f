"""Bank + roster -> frozen instances: seeding, the per-student pipeline and the answer key store."""
