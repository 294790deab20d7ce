"""Re-scoring a video: the preview dock, the thumbnail strip, scene cuts, the video layout and export."""
