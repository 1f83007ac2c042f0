"""The bilingual demo catalogue: hand-written building blocks combined deterministically."""
