"""Jobs on PTB's JobQueue (APScheduler) and the delivery outbox sender."""
