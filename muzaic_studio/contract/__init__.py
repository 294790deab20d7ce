"""What every backend shares: typed errors, RenderResult, the Backend protocol, and the
reader that turns any documented answer shape into a RenderResult.

The cloud client (api/) and the offline engine (engine/) both sit on this layer and never
import each other; muzaic_studio.backends chooses between them. No Qt, no HTTP library.
"""
