"""The use-cases: one function per thing a user (or a driver) does.

Each takes the runtime, the actor and plain input; checks authorisation itself against
``hazardflow.workflows.policy``; and runs in one unit of work (``hazardflow.workflows.uow``):
everything it writes — engine steps, evidence, domain rows, journal records — commits
together or not at all. The pages and the API both call these and only translate HTTP, so a
page and its API twin cannot disagree. Reads that span more than one query are use-cases too
(one read transaction, the visibility rule applied inside).
"""
