"""Runs: many documents. It owns the one `Runner` (documents through a bounded queue to an
executor, the store asked first, outcomes streamed to a sink), its executors (`Local`, a Ray
cluster's actors, the provider's Batch API), the SQLite store (cache, resume log, windows,
batches), progress, prices and the `logs` queries, and the runners each command opens
(`open_summarize`, `open_batch`, `run`, `summarize`). It may import the pipeline and the
stages below it; never digest, eval, writers or cli."""
