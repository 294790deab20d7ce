"""The soundtrack document: regions, params, project files, validation, hash library. No Qt."""

from muzaic_studio.model.library import HashLibrary, LibraryEntry
from muzaic_studio.model.project import FORMAT, Project, ProjectError
from muzaic_studio.model.region import ACTIONS, METHODS, PARAM_NAMES, Region
from muzaic_studio.model.render_plan import RenderPlan, plan_render
from muzaic_studio.model.validation import Problem, validate_request

__all__ = [
    "ACTIONS",
    "FORMAT",
    "METHODS",
    "PARAM_NAMES",
    "HashLibrary",
    "LibraryEntry",
    "Problem",
    "Project",
    "ProjectError",
    "Region",
    "RenderPlan",
    "plan_render",
    "validate_request",
]
