"""The workspace's places read from the address text: rows whose only place is in their
``line`` (a free-text address export), read once per file and shown, undoable, like any edit."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from addrmig.edits import Edit, cell_changes
from addrmig.fields import LOCATION_LEVELS
from addrmig.i18n import _

if TYPE_CHECKING:
    from addrmig.locations.db import LocationDB
    from addrmig.workspace import Place, Progress


class AddressTexts:
    """Mixed into :class:`addrmig.workspace.Workspace`, whose frame, edits and memo it uses."""

    def read_places_from_text(self, db: LocationDB | None = None,
                              progress: Progress | None = None) -> Edit | None:
        """Fill the blank place columns of the rows whose address text names their places
        (:func:`addrmig.locations.freetext.filling.fill_from_text`), once per file: undone, it
        stays undone. The change is an Edit (shown, undoable); what was read is kept in
        ``text_places``. Returns the Edit, or None when nothing was filled."""
        from addrmig.locations.freetext.filling import fill_from_text, rows_to_read

        frame = self._require_frame()
        if self._text_read:
            return None
        self._text_read = True
        if not rows_to_read(frame).any():
            return None
        db = db if db is not None else self.reference_db()
        auxiliary = self.loaded.auxiliary if self.loaded is not None else pd.DataFrame()
        postcodes = auxiliary["postcode"] if "postcode" in auxiliary.columns else None
        new, self.text_places = fill_from_text(frame, db, postcodes, progress)
        return self._commit(_("places read from the address text"), new, cell_changes(frame, new, list(LOCATION_LEVELS)))

    def text_readings(self, only_open: bool = False) -> pd.DataFrame:
        """The address texts read, one line each (:func:`addrmig.locations.freetext.filling.readings`);
        ``only_open``: those whose places were not found and whose rows still have no township
        (none chosen since). Built once per frame version."""
        from addrmig.locations.freetext.filling import readings

        read = self.text_places
        if read is None or self.frame is None:
            return readings(pd.DataFrame(columns=["status"]), pd.Series(dtype=str))
        frame = self.frame
        if only_open:
            read = read[(frame["township"].reindex(read.index) == "").to_numpy()]
        return self._memoised(("text_readings", id(self.text_places), only_open),
                              lambda: readings(read, frame["line"], only_open=only_open))

    def choose_text_places(self, choices: dict[str, Place]) -> Edit | None:
        """Set the place of the rows read from each address text of ``choices`` (text -> (country,
        city, township, district)); an Edit (undoable), or None when nothing changed."""
        frame = self._require_frame()
        if self.text_places is None or not choices:
            return None
        lines = frame["line"].reindex(self.text_places.index)
        values = {}
        for text, place in choices.items():
            for row in lines.index[lines == text]:
                values.update({(row, level): value for level, value in zip(LOCATION_LEVELS, place)})
        return self.edit_cells(values, label=_("places chosen for address texts"))
