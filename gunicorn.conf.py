"""gunicorn's settings for Tracker; gunicorn reads this file when started from this folder.

Command-line options (`make run`, a service unit) override what is set here.
"""

import gunicorn.http.wsgi

# Responses must not name the server's software or version (gunicorn sends
# "Server: gunicorn" otherwise); gunicorn reads this module global for each response.
gunicorn.http.wsgi.SERVER = "Tracker"

# Threads let one worker serve the next request while another waits on the database.
threads = 4
