"""LLM: everything that talks to a model. It owns endpoint selection and the named
providers, the SDKs, the structured call (openai or another SDK + instructor, with what
belongs to one call as a `Call`), the one transport-retry policy, client-side rate limits, the
embedded engine and its model file, the run's model session, recording and replay, and the
provider's Batch API transport. It may import extraction and inputs; never evidence, the
pipeline or anything above."""
