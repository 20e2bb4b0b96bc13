"""Pure statistics: sketches, summaries and distances; no files, environment, clock or network."""
