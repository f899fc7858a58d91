"""One module per lint rule and nothing else (a test holds it to that); `shoring.lint.registry` lists them."""
