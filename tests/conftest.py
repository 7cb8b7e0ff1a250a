"""The fixtures every test shares live in summarizer.testing.fixtures, beside the fake server
and the example data that benchmarks and scripts use too."""

pytest_plugins = ["summarizer.testing.fixtures"]
