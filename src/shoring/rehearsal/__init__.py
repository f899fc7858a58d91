"""`shoring test`: rehearse migrations on a scratch copy (up, verify, down, verify, up again), trace locks.

Modules: ``scratch`` (copies that are always dropped), ``observe``/``locktrace``/``probe`` (what each
statement really did), ``generate`` (synthetic rows), ``checks``, ``rehearse`` (the steps),
``record`` (results per migration checksum), ``render`` (text). Only ``rehearsal_record`` is imported
here, so `apply`'s preflight can ask about a file without loading the rest.
"""

from shoring.rehearsal.record import rehearsal_record, rollback_rehearsed

__all__ = ["rehearsal_record", "rollback_rehearsed"]
