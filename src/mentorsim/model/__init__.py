"""The agent-based model: agents, facilities, mentors, modalities and the weekly step."""
