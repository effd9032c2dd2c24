"""agentfloor: a self-hostable contact centre where AI agents work beside human agents.

Nothing happens at import: settings are read, engines built and connections opened only by
`agentfloor.bootstrap` when an entry point asks for them.
"""

__version__ = "0.1.0"
