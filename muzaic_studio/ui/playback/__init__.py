"""Playback that is heard: PCM streamed to a QAudioSink with the client-side mix applied."""
