"""The public Migration Network Hub: what its pages, open data and feeds read from the store.

Every query here selects published items only, through the publication policy
(``policies.publication.public_items``), and gives out their redacted text: never a
contact address, never a receipt (a receipt is its author's key to their own input; a
public item is named by its integer id).
"""
