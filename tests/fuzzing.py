"""Hypothesis settings shared by the hostile-input tests: bounded and repeatable in `make test`
(25 examples from a fixed seed), fresh random input with `FUZZ_EXAMPLES=300 make fuzz`."""

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    database=None,
)

# Text that str.isdigit(), int() or float() take, but that no one types as a count: superscripts,
# digits of other scripts (Arabic-Indic, full-width, mathematical), Python's digit separator.
UNICODE_DIGITS = ["²", "¹²", "١٢", "１２", "٣", "𝟗", "1_000"]
