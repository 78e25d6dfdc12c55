"""Speed benchmarks of X-Net."""
