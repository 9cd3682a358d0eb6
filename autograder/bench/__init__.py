"""Benchmarks behind ``autograder bench TARGET``: one module per target, each with main(argv)."""
