"""The events screen: performances, their participants, and who may be filmed."""
