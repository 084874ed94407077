"""Domain logic: async functions taking (session, plain values, now); no Telegram here."""
