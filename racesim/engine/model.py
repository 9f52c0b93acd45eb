"""Old names of the engine's parts (the engine is now money.py, missions.py, events.py
and simpy_adapter.py; see racesim/engine/__init__.py)."""

from racesim.engine.events import StoryEvent
from racesim.engine.missions import Race

Event = StoryEvent  # alias until the layout merge
Model = Race  # alias until the layout merge

__all__ = ["Event", "Model"]
