"""Tools around the product: the sample-export generator and the benchmark.

May import every layer below the UI; nothing in the product imports the tools (the CLI calls
them).
"""
