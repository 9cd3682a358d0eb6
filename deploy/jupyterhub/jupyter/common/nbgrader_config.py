"""nbgrader settings that every account of the class server shares: the course and its
exchange. The hub puts this folder on JUPYTER_CONFIG_PATH of every JupyterLab; for
nbgrader's command line, link this file to /etc/jupyter/nbgrader_config.py
(docs/jupyterhub.md)."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

# The course id names the course's folder in the exchange: <exchange>/cnn-course/.
c.CourseDirectory.course_id = "cnn-course"

# The exchange: a folder every account can write (mode 1777), holding one folder per
# course made by its instructor (see docs/jupyterhub.md). CNN_COURSE_EXCHANGE moves it
# (the tests use a temporary one).
c.Exchange.root = os.environ.get("CNN_COURSE_EXCHANGE", "/srv/nbgrader/exchange")

# Collect a submission only from the account that made it, without following links
# (nbgrader's own collect takes a folder named after a classmate, and copies what links
# point to with the instructor's rights: autograder/exchange.py).
c.ExchangeFactory.collect = "autograder.exchange.SafeCollect"
