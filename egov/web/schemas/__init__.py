"""The API's request and response models (pydantic): they validate requests (flask-openapi3)
and are the schemas of the OpenAPI document (ADR 0012). The JSON itself is still shaped by
egov/web/views.py; a test checks every response of the suite against these schemas."""
