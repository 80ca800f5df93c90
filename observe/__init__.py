"""observe: a Kubernetes-style orchestration core with an observability stack around it.

Each component is its own process (``python -m observe <component>``); they meet only at the
Kubernetes-compatible API served by :mod:`observe.apiserver`.
"""

__version__ = "0.1.0"

# The Kubernetes version whose API observe speaks (reported by /version and the kubelets).
KUBERNETES_VERSION = "v1.32.0"
