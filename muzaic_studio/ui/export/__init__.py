"""Export Audio: the dialog, its flow and the background job shared with Export Video."""
