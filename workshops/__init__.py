"""Workshop domain rules: plain Python, no Bot Framework imports."""
