# Loaded by the Python of the `az` the bench runs (PYTHONPATH), nowhere else.
# Azure CLI 2.45 has no `core.instance_discovery` setting (added in 2.53, Azure/azure-cli#27494), so for an authority
# that is not one of Microsoft's hosts MSAL asks login.microsoftonline.com to validate it before every sign-in. This
# gives 2.45 that setting, off, as MSAL documents it (ClientApplication(instance_discovery=False)): the sandbox's
# authority is then used as Azure's own is, with no request leaving loopback.
import functools

import msal.application

_init = msal.application.ClientApplication.__init__


@functools.wraps(_init)
def _without_instance_discovery(self, *args, instance_discovery=False, **kwargs):
    _init(self, *args, instance_discovery=instance_discovery, **kwargs)


msal.application.ClientApplication.__init__ = _without_instance_discovery
