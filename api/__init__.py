"""The edge and composition root: HTTP, CLI, scheduler, settings, logging and the wall clock."""
