"""The timeline: its geometry, painting, mouse gestures, markers and mix handles."""
