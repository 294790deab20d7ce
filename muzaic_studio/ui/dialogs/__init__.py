"""The app's small dialogs: API key, preferences, shortcuts, about, report a problem, first run."""
