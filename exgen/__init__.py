"""exgen: randomized, per-student exercises on the mathematics of deep learning."""

__version__ = "0.1.0"
