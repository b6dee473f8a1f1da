"""Claims API: the insurer-side policy and claim system the bot talks to over HTTP."""

__version__ = "1.0.0"
