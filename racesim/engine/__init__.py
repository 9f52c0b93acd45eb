"""The engine: one replication of the race, as a SimPy discrete-event model.

No I/O, no global state, no English.  Given a :class:`~racesim.engine.plan.Plan` (the
scenario compiled to numbers and indices, shared by every replication) and one
replication's random numbers, :class:`~racesim.engine.missions.Race` builds its own
SimPy environment, runs it to the horizon (or until every milestone is decided) and
leaves the reach times, the attempts and the money received and spent.  Everything
about many replications (random streams, executors, tallies) is in :mod:`racesim.run`.

Modules, one concept each:

``plan.py``
    the scenario as flat data: agencies, missions (scenario order), times in years
    from ``start``, references as indices, funding groups.
``missions.py``
    a mission's life as a small state machine (waiting for its requirements,
    developing, ready for its launch window, succeeded or failed): start, develop,
    wait for ``not_before``, attempt, re-fly, credit milestones, stop early.  Each step
    is a callback on the SimPy event that ends the previous one.
``money.py``
    treasuries and the funding policy.  The money rule (README, "How missions run") is
    stated once, in ``Treasury.reserve``; ``Funding`` computes each funding group's
    money flow ahead in plain arithmetic and sets one SimPy timer per completion,
    rewinding when a new development changes the plan.  Its docstring lists the speed
    paths and the conditions that choose each; every one is checked against the
    general path by ``tests/test_fast_path.py``.
``money_groups.py``
    a part of ``Funding``: the speed paths of big funding groups (planning a
    completion and its re-flights once; one pass of the shared-run loop).
``mechanisms.py``
    format v2 (contract 5): ``MechanismRace``, the mission's life with hazards
    (cancel, pause), partner terms, ``attempts: unlimited``, stand-downs, transit and
    partial landings; run only for a plan that uses one of them (``race_class``).
``shortfall.py``
    a part of ``Funding``: an owner covering a partner's shortfall, and taking a
    development out of the books (cancelled, paused, its payers changed).
``events.py``
    the story as data (``StoryEvent``: a kind and typed fields), recorded only in a
    traced run; :mod:`racesim.output.story` puts it in words.
``simpy_adapter.py``
    the only code that touches SimPy's internals (a timer without ``Timeout``'s
    checks, dropping a finished run's queue), pinned by ``tests/test_simpy_adapter.py``.

Data flows one way: plan -> missions <-> money -> reach times (and, traced, events).
To add a mechanism of a mission's life (a hazard that cancels or pauses it), add a
state and its transitions in ``missions.py``; a payer's behaviour when short of money
(a shortfall policy) belongs beside ``Treasury.reserve`` in ``money.py``.
"""
