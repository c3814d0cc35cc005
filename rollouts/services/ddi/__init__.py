"""hawkBit DDI on top of the rollouts: what a controller is told, and what its reports mean here.

``controller`` answers the root poll (the decision's offer, withdrawn offers,
the request for attributes) and applies ``configData``; ``feedback`` maps DDI
feedback onto the update state machine of rollouts.services.feedback. The DDI
API (rollouts/api/ddi/) only parses requests and renders these results.
"""
