"""The main window's shell: chrome, actions, project files, autosave and the workflows' common hooks."""
