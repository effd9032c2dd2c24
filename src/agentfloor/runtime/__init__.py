"""Runtime: the unit of work and the application services built on it.

Services open a unit of work, apply domain rules, write the audit log and the interaction event
log in the same transaction, and publish events on the bus after commit.
"""
