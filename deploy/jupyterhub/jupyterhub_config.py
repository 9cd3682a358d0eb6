"""JupyterHub for a class of the CNN course: local Unix accounts, PAM log-in, one
JupyterLab per person running as that person, nbgrader's exchange between them.

Run as root from the hub's state folder (its database and cookie secret go there), with
the course environment's JupyterHub, e.g.

    cd /srv/jupyterhub && /opt/cnn-course/bin/jupyterhub -f /etc/jupyterhub-cnn-course/jupyterhub_config.py

Who is who comes from two Unix groups: members of the instructors' group get nbgrader's
formgrader and course list, members of the learners' group the assignment list only;
nobody else may log in. docs/jupyterhub.md has the whole set-up and how to check it.
"""

import grp
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
# The environment this hub runs from (the course package, JupyterLab, nbgrader,
# JupyterHub): the single-user servers and kernels use it too.
ENVIRONMENT = Path(sys.prefix)
# The Unix groups of the class; CNN_HUB_LEARNERS / CNN_HUB_INSTRUCTORS rename them.
LEARNERS = os.environ.get("CNN_HUB_LEARNERS", "cnn-learners")
INSTRUCTORS = os.environ.get("CNN_HUB_INSTRUCTORS", "cnn-instructors")
# Jupyter settings per role (nbgrader's exchange and extensions): see jupyter/.
COMMON_SETTINGS = HERE / "jupyter" / "common"
LEARNER_SETTINGS = HERE / "jupyter" / "learner"

# --- where the hub listens ------------------------------------------------------------
# Put HTTPS in front (a reverse proxy such as nginx or Caddy) or set
# c.JupyterHub.ssl_key / ssl_cert: passwords must not cross the network in clear.
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
# The proxy is the npm package configurable-http-proxy (docs/jupyterhub.md installs it).
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]

# --- who may log in ---------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {LEARNERS, INSTRUCTORS}
# Hub admins may open anyone's server, i.e. read every learner's files: none by default.
c.Authenticator.admin_users = set()


def is_instructor(name: str) -> bool:
    """Whether the account ``name`` belongs to the instructors' Unix group."""
    try:
        group = grp.getgrnam(INSTRUCTORS)
    except KeyError:
        return False
    return name in group.gr_mem


def jupyter_config_path(spawner) -> str:
    """Learners get the learner settings (no formgrader) on top of the common ones."""
    folders = [COMMON_SETTINGS] if is_instructor(spawner.user.name) else [LEARNER_SETTINGS, COMMON_SETTINGS]
    return os.pathsep.join(str(folder) for folder in folders)


# --- what each person gets ------------------------------------------------------------
# One JupyterLab per person, started as that person's Unix account, in their home.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(ENVIRONMENT / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.env_keep = ["LANG", "LC_ALL", "CNN_COURSE_EXCHANGE"]
c.Spawner.environment = {
    "PATH": f"{ENVIRONMENT / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": jupyter_config_path,
    # TensorFlow's C++ log and oneDNN notice would otherwise fill the server log.
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}
# A JupyterLab with nbgrader's extensions takes a while to start on a busy machine.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
