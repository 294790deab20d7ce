"""The render workflow's Qt side: backend choice, hand-off to the render use case, history, library previews."""
