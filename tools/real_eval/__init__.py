"""Real-data evaluation: real company descriptions loaded through the public API, seller prompts
graded by independent directory tags, the served ranker compared with plain retrieval baselines."""
