"""BPMN 2.0 export and import of process profiles.

``to_bpmn`` turns a profile with steps into a BPMN 2.0 XML document (one
pool, one lane per actor, full diagram interchange) that bpmn.io and Camunda
Modeler open and SpiffWorkflow executes; ``from_bpmn`` reads such a file, or
one drawn in bpmn.io/Camunda Modeler, back into a profile.
"""

from .export import PL_NS, to_bpmn
from .importer import BpmnImportError, from_bpmn

__all__ = ["PL_NS", "BpmnImportError", "from_bpmn", "to_bpmn"]
