"""Inputs: a path, a URL, a table row or stdin made a `Document` with offsets. It owns the
readers (text, HTML, PDF, Word, JSONL and CSV tables, `.urls` lists, directories and globs),
bounded web fetches, page-furniture cleaning, sentences and words with their offsets, the
writing systems a text uses, and a long document's windows. Anything that cannot become a
document is a ReadError naming it. It imports only summarizer.errors, settings and
redaction: it is the bottom of the stages."""
