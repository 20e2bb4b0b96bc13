"""Jobs: the only place that knows the whole path from captured data to outputs."""
