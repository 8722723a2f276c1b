"""The web console: people of an agency log in, check and report, and watch the figures.

``users`` creates users and checks passwords (argon2id) with a lockout per user name;
``sessions`` turns a login into a session cookie and a session back into a ``Principal``
(the user's agency, the user named as operator) and signs CSRF tokens; ``pages`` serves the
HTML pages, and ``static/`` the scripts, styles and vendored GraphiQL, all from the hub.
"""
