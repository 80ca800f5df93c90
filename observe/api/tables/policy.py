"""The PodDisruptionBudget printer (policy): MIN AVAILABLE, MAX UNAVAILABLE and ALLOWED
DISRUPTIONS."""

from __future__ import annotations

from observe.api.tables.cells import age, get, int_or_string, integer, name
from observe.api.tables.columns import AGE, NAME, Column, Printer

POD_DISRUPTION_BUDGET = Printer(
    (NAME, Column("Min Available", "The minimum number of pods that must be available."),
     Column("Max Unavailable", "The maximum number of pods that may be unavailable."),
     Column("Allowed Disruptions", "Calculated number of pods that may be disrupted at this "
            "time.", "integer"), AGE),
    lambda pdb, now: [name(pdb), int_or_string(get(pdb, "spec", "minAvailable"), "N/A"),
                      int_or_string(get(pdb, "spec", "maxUnavailable"), "N/A"),
                      integer(pdb, "status", "disruptionsAllowed"), age(pdb, now)],
)
