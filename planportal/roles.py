"""The staff roles of the portal, as Django groups created by a migration."""

PLANNERS = "planners"
OFFICIALS = "officials"
STAFF_GROUPS = (PLANNERS, OFFICIALS)
