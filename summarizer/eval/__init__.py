"""Eval: the tool measured against reference data. It owns `summarizer eval`: the dataset,
ROUGE against references with bootstrap intervals, the ranking among published systems, and
the run of the dataset through a runner. It may import runs and the stages below it; never
digest, writers or cli."""
