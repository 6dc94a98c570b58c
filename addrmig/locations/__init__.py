"""Places: the location database, name folding, the resolver and the corrections memory."""
from addrmig.fields import LOCATION_LEVELS as LEVELS
from addrmig.locations.db import LocationDB
from addrmig.locations.resolver import RESOLVED, STATUSES, Resolution, apply_choices, choices_to_corrections, resolve

__all__ = ["LEVELS", "LocationDB", "Resolution", "resolve", "apply_choices", "choices_to_corrections",
           "STATUSES", "RESOLVED"]
