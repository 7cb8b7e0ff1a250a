"""Print the configuration reference, generated from the settings table.

    python scripts/configuration_docs.py > docs/configuration.md

tests/test_settings.py fails while the committed page and the table disagree.
"""

from __future__ import annotations

import sys

from summarizer.settings import reference_markdown

if __name__ == "__main__":
    sys.stdout.write(reference_markdown())
