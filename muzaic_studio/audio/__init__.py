"""From MP3 bytes to what the user sees and hears: decode, peaks, loudness, export. No Qt."""
