"""Standing up a province: every hamlet in one file, rosters and join cards, the next campaign."""
