"""Digest: several outlets on one story, read side by side. It owns story grouping, what the
sources agree on, where they contradict each other, single-source claims, who says what,
and a story's summary, built from the per-article results of a run (summarizer.runs). It
may import runs and the stages below it; never eval, writers or cli."""
