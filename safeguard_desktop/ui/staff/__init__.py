"""What a member of staff sees: their reports and the briefings published to them (they hold no register key)."""
