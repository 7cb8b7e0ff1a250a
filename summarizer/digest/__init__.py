"""Cross-source digest: what several articles on one story agree on, where they contradict
each other, and who says what. Built from the per-article results (summarizer.pipeline)."""
