"""Skills as data: the tasks the AI agent can do, their slots, confirmation, action and rules.

`model` defines a skill; `parse` reads and validates skill documents (every problem with its
path); the YAML files beside this module are the skills every tenant gets (`builtin_skills`).
"""

from __future__ import annotations

from agentfloor.agents.skills.model import (
    ActionKind,
    HandoffRule,
    Skill,
    SkillAction,
    SkillSet,
    SkillSlot,
)

__all__ = ["ActionKind", "HandoffRule", "Skill", "SkillAction", "SkillSet", "SkillSlot"]
