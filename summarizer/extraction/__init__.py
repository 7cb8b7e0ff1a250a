"""Extraction: what the model is asked, and the model of its answer. It owns the pydantic
models of the answer and of the result (`extraction.models`), the built-in news schema and a
user's own (`--schema`), few-shot examples (`--examples`) and the prompt sets (jinja2
templates, hashed, the document fenced). It may import inputs (and the top modules); how an
answer is checked is the evidence stage's, handed in where it is needed."""
