"""The sandbox: the real bot in a browser, against a built-in Telegram stand-in.

`fake_telegram` is that stand-in (the tests' fake Telegram too: one implementation). It
checks every request against the Bot API specification kept beside it.
"""
