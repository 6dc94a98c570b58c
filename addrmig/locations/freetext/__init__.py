"""Places found in a free-text address: ``16 Eylül Mah. … Çeşme/İzmir`` -> İzmir, Çeşme, 16 Eylül Mah.

The modules, in the order the work goes through them:

- :mod:`.vocabulary`: the suffix, street, building and unit words, and what each does;
- :mod:`.gazetteer`: the database's names by folded key, built once per database;
- :mod:`.reading`: a text into the place mentions it holds, per distinct text;
- :mod:`.deciding`: the mentions weighed into a place or a question, per distinct set of mentions;
- :mod:`.places`: :func:`places_from_text`, the whole column at once.
"""
from addrmig.locations.freetext.deciding import AMBIGUOUS, CONFLICTING, FOUND, NONE, STATUSES
from addrmig.locations.freetext.places import places_from_text

__all__ = ["places_from_text", "STATUSES", "FOUND", "AMBIGUOUS", "CONFLICTING", "NONE"]
