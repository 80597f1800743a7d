"""The clerk workspace at `/arbeitsplatz` (issue 17, docs/frontends.md): server-rendered
pages on the shared pieces of `egov.ui`, behind the staff login. Built: the landing page
(`views.py`)."""
