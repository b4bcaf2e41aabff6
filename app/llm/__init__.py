"""Optional OpenAI-compatible LLM provider client (prompt refinement, offline judging)."""
