"""The OpenAPI 3.1 description of /api/v1; tests check every response against it."""

from __future__ import annotations

from typing import Any

from intake_api import __version__
from models.reference import REVIEW_SLUGS

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request", 401: "No valid bearer token", 403: "Outside the caller's reviews",
            404: "Not found", 422: "Refused answers"}  # fmt: skip
    return {str(code): _json(_ERROR, text[code]) for code in codes}


_REVIEW = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "enum": list(REVIEW_SLUGS)}}
_REVIEW_QUERY = {"name": "review", "in": "query", "schema": {"type": "string", "enum": list(REVIEW_SLUGS)}}
_LOCALE_QUERY = {"name": "locale", "in": "query",
                 "schema": {"type": "string", "enum": ["en", "fr", "es", "ar", "ru", "zh", "pt"]}}  # fmt: skip
_NULLABLE_STRING = {"type": ["string", "null"]}


def _list_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": ref}}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "gcm-intake staff API", "version": __version__,
                 "description": "Inputs to the Regional Reviews of the Global Compact for Migration."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/submissions": {
                "get": {
                    "summary": "List inputs (cursor pagination, oldest first)",
                    "parameters": [
                        _REVIEW_QUERY,
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["new", "reviewed", "flagged", "included"]}},
                        {"name": "since", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": _json({"$ref": "#/components/schemas/InputPage"}, "A page of inputs"),
                                  **_errors(400, 401, 403, 404)},
                },
                "post": {
                    "summary": "Submit an input from a partner system",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                    "schema": {"type": "string", "maxLength": 100}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewInput"}}}},
                    "responses": {"201": _json({"$ref": "#/components/schemas/Receipt"}, "Stored"),
                                  "200": _json({"$ref": "#/components/schemas/Receipt"}, "Stored before with this key"),
                                  **_errors(400, 401, 403, 404, 422)},
                },
            },
            "/submissions/{receipt}": {
                "parameters": [{"name": "receipt", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"summary": "One input", "responses": {
                    "200": _json({"$ref": "#/components/schemas/Input"}, "The input"), **_errors(401, 404)}},
                "patch": {
                    "summary": "Change the status or add objective tags",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "status": {"type": "string", "enum": ["reviewed", "flagged", "included"]},
                            "objectives": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 23}}}}}}},
                    "responses": {"200": _json({"$ref": "#/components/schemas/Input"}, "The updated input"),
                                  **_errors(400, 401, 404, 422)},
                },
                "delete": {
                    "summary": "Erase a record (input, pledge, practice or registration) on its author's request",
                    "description": "Administrators only; audited. Idempotent: erasing again answers 404.",
                    "responses": {"204": {"description": "Erased"}, **_errors(401, 403, 404)},
                },
            },
            "/submissions/{receipt}/consents": {
                "parameters": [{"name": "receipt", "in": "path", "required": True, "schema": {"type": "string"}}],
                "post": {
                    "summary": "Withdraw a consent on the contributor's behalf",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["consent", "granted"], "properties": {
                            "consent": {"type": "string", "enum": ["quote", "contact", "message"]},
                            "granted": {"type": "boolean", "const": False}}}}}},
                    "responses": {"200": _json({"type": "object", "required": ["receipt", "consent", "granted"],
                                                "properties": {"receipt": {"type": "string"}, "consent": {"type": "string"},
                                                               "granted": {"type": "boolean"}}}, "Withdrawn"),
                                  **_errors(400, 401, 404, 422)},
                },
            },
            "/reviews/{slug}/stats": {"get": {
                "summary": "Counts for a review", "parameters": [_REVIEW],
                "responses": {"200": _json({"$ref": "#/components/schemas/Stats"}, "Counts"), **_errors(401, 403, 404)}}},
            "/reviews/{slug}/report": {"get": {
                "summary": "The summary report of a review",
                "parameters": [_REVIEW, _LOCALE_QUERY, {"name": "format", "in": "query", "schema": {
                    "type": "string", "enum": ["html", "md", "csv", "xlsx", "docx"]}}],
                "responses": {"200": {"description": "The report file", "content": {
                    "text/html": {}, "text/markdown": {}, "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}},
                    **_errors(400, 401, 403, 404)}}},
            "/exports/submissions": {"get": {
                "summary": "Every input of the caller's reviews, streamed",
                "parameters": [_REVIEW_QUERY, _LOCALE_QUERY, {"name": "format", "in": "query", "schema": {
                    "type": "string", "enum": ["csv", "xlsx", "jsonl"]}}],
                "responses": {"200": {"description": "The export file", "content": {
                    "text/csv": {}, "application/x-ndjson": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                    **_errors(400, 401, 403, 404)}}},
            "/pledges": {"get": {"summary": "Pledges", "parameters": [_REVIEW_QUERY], "responses": {
                "200": _json(_list_of("#/components/schemas/Pledge"), "Pledges"), **_errors(401, 403, 404)}}},
            "/practices": {"get": {"summary": "Practices", "parameters": [_REVIEW_QUERY], "responses": {
                "200": _json(_list_of("#/components/schemas/Practice"), "Practices"), **_errors(401, 403, 404)}}},
            "/registrations": {"get": {"summary": "Consultation registrations", "parameters": [_REVIEW_QUERY],
                                       "responses": {"200": _json(_list_of("#/components/schemas/Registration"), "Registrations"),
                                                     **_errors(401, 403, 404)}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "Input": {"type": "object", "additionalProperties": False, "required": [
                    "receipt", "review", "channel", "locale", "text", "status", "objectives", "created_at", "may_quote"],
                    "properties": {
                        "receipt": {"type": "string"}, "review": {"type": "string", "enum": list(REVIEW_SLUGS)},
                        "channel": {"type": "string"}, "locale": {"type": "string"},
                        "stakeholder_group": _NULLABLE_STRING, "country": _NULLABLE_STRING, "theme": _NULLABLE_STRING,
                        "objectives": {"type": "array", "items": {"type": "integer"}}, "text": {"type": "string"},
                        "may_quote": {"type": "boolean"},
                        "urgent": {"type": ["string", "null"], "description": "Protection risk disclosed, if any"},
                        "suggested_objectives": {"type": "array", "description": "From the text, not yet decided by staff",
                                                 "items": {"type": "object", "properties": {
                                                     "objective": {"type": "integer"}, "score": {"type": "number"},
                                                     "triggers": {"type": "array", "items": {"type": "string"}}}}},
                        "status": {"type": "string", "enum": ["new", "reviewed", "flagged", "included"]},
                        "created_at": {"type": "string"}}},
                "InputPage": {"type": "object", "required": ["items", "next_cursor"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Input"}},
                    "next_cursor": _NULLABLE_STRING}},
                "NewInput": {"type": "object", "required": ["review", "stakeholder_group", "theme", "text", "consent_store"],
                             "properties": {"review": {"type": "string"}, "stakeholder_group": {"type": "string"},
                                            "theme": {"type": "string"}, "text": {"type": "string"},
                                            "consent_store": {"type": "boolean"}, "locale": {"type": "string"}}},
                "Receipt": {"type": "object", "required": ["receipt", "duplicate"], "properties": {
                    "receipt": {"type": "string"}, "duplicate": {"type": "boolean"}}},
                "Stats": {"type": "object", "required": ["review", "today", "week", "total"], "properties": {
                    "review": {"type": "string"}, "today": {"type": "integer"}, "week": {"type": "integer"},
                    "total": {"type": "integer"}, "flagged": {"type": "integer"},
                    "by_stakeholder_group": {"type": "object", "additionalProperties": {"type": "integer"}}}},
                "Pledge": {"type": "object", "required": ["receipt", "organisation", "title", "objectives"], "properties": {
                    "receipt": {"type": "string"}, "review": _NULLABLE_STRING, "organisation": {"type": "string"},
                    "title": {"type": "string"}, "text": {"type": "string"},
                    "objectives": {"type": "array", "items": {"type": "integer"}}, "created_at": {"type": "string"}}},
                "Practice": {"type": "object", "required": ["receipt", "title"], "properties": {
                    "receipt": {"type": "string"}, "review": _NULLABLE_STRING, "title": {"type": "string"},
                    "description": {"type": "string"}, "objectives": {"type": "array", "items": {"type": "integer"}},
                    "countries": {"type": "array", "items": {"type": "string"}}, "partners": _NULLABLE_STRING,
                    "link": _NULLABLE_STRING, "created_at": {"type": "string"}}},
                "Registration": {"type": "object", "required": ["receipt", "review", "name", "attendance_mode"], "properties": {
                    "receipt": {"type": "string"}, "review": {"type": "string"}, "name": {"type": "string"},
                    "organisation": _NULLABLE_STRING, "stakeholder_group": _NULLABLE_STRING, "country": _NULLABLE_STRING,
                    "attendance_mode": {"type": "string"}, "travel_support": {"type": "boolean"},
                    "travel_reason": _NULLABLE_STRING, "accessibility_needs": _NULLABLE_STRING,
                    "created_at": {"type": "string"}}},
            },
        },
    }  # fmt: skip
