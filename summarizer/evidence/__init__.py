"""Evidence: an answer checked against its source. It owns grounding (each quote located in
the text, with its status, score and offsets, and the re-ask of quotes not found), support
(whether a statement follows from its sentence), attribution (who says it), the fact rules
(kind, who, when, where, the entities) and the merging of a long document's windows into one
result. It may import extraction and inputs; never llm, pipeline or anything above."""
