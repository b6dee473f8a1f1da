"""Pure domain rules of claims: stages, materials, coverage, masking and numbering.

Nothing here touches the database or HTTP, so the rules are easy to test and to reuse.
"""
