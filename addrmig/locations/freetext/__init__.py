"""Places found in a free-text address: ``16 Eylül Mah. … Çeşme/İzmir`` -> İzmir, Çeşme, 16 Eylül Mah.

The modules, in the order the work goes through them:

- :mod:`.vocabulary`: the suffix, street, building and unit words, and what each does;
- :mod:`.gazetteer`: the database's names by folded key, built once per database;
- :mod:`.reading`: one text into the place mentions it holds (the reference, one text at a time);
- :mod:`.mentions`: a text's mentions sorted by kind;
- :mod:`.deciding`: the mentions weighed into a place or a question (:mod:`.districts`: which
  district of the township);
- :mod:`.texts`: many texts at once as word arrays; the others' mentions per distinct run;
- :mod:`.simple`: the common texts decided from the word arrays alone;
- :mod:`.places`: :func:`places_from_text`, the whole column at once;
- :mod:`.filling`: the places written into an address frame, and shown to a person.
"""
from addrmig.locations.freetext.deciding import AMBIGUOUS, CONFLICTING, FOUND, NONE, STATUSES
from addrmig.locations.freetext.places import places_from_text

__all__ = ["places_from_text", "STATUSES", "FOUND", "AMBIGUOUS", "CONFLICTING", "NONE"]
