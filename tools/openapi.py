#!/usr/bin/env python3
"""Writes src/http/openapi.json (OpenAPI 3.1) for the microcred service API.

Edit this file, then run: python3 tools/openapi.py
Tests check that every route is documented and that responses match these schemas.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def problem(desc, schema="Problem"):
    return {"description": desc, "content": {"application/problem+json": {"schema": ref(schema)}}}


def ok(desc, schema, media="application/json"):
    return {"description": desc, "content": {media: {"schema": ref(schema) if isinstance(schema, str) else schema}}}


AUTH = [{"bearer": []}]
OAUTH = {"description": "OAuth error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}}
ISSUE_FORBIDDEN = "The key may not do this; the record is another institution's; or the demo institution, which stops issuing once a real institution exists (demo.keep_issuing)"
COMMON = {"401": problem("No or unknown API key"), "403": problem("The key may not do this"), "503": problem("Database unreachable")}

schemas = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {"type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": "integer"},
                       "detail": {"type": "string"}, "instance": {"type": "string"}},
    },
    "ValidationProblem": {
        "allOf": [ref("Problem"), {"type": "object", "required": ["errors"], "properties": {
            "errors": {"type": "array", "items": ref("Violation")}, "warnings": {"type": "array", "items": ref("Violation")}}}],
    },
    "Violation": {
        "type": "object", "required": ["pointer", "detail", "rule", "code"],
        "properties": {"pointer": {"type": "string", "description": "JSON Pointer into the request body"}, "detail": {"type": "string"},
                       "rule": {"type": "string", "examples": ["MC-R08"]}, "code": {"type": "string", "examples": ["ects.below_minimum"]}},
    },
    "Record": {
        "type": "object", "required": ["microcredential", "award"],
        "description": "A microcredential record in the format of the fixtures README (`microcredential` + `award`).",
        "properties": {"microcredential": {"type": "object"}, "award": {"type": "object"}, "format": ref("Format")},
    },
    "AwardById": {
        "type": "object", "required": ["achievement_id", "award"], "additionalProperties": False,
        "properties": {"achievement_id": {"type": "string"}, "award": {"type": "object"}, "format": ref("Format")},
    },
    "Format": {"type": "string", "enum": ["ldp", "jwt"], "default": "ldp"},
    "BatchRequest": {
        "description": "Either awards of one registered achievement, or inline records. All or nothing.",
        "oneOf": [
            {"type": "object", "required": ["achievement_id", "awards"], "additionalProperties": False,
             "properties": {"achievement_id": {"type": "string"}, "awards": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "object"}}, "format": ref("Format")}},
            {"type": "object", "required": ["records"], "additionalProperties": False,
             "properties": {"records": {"type": "array", "minItems": 1, "maxItems": 100000, "items": ref("Record")}, "format": ref("Format")}},
        ],
    },
    "BatchIssued": {
        "type": "object", "required": ["count", "format", "credentials", "warning_count", "warnings"],
        "properties": {
            "count": {"type": "integer"},
            "format": ref("Format"),
            "achievement_id": {"type": ["string", "null"]},
            "credentials": {"type": "array", "description": "In request order", "items": {
                "type": "object", "required": ["index", "public_id", "credential_id", "share_url", "api_url"],
                "properties": {"index": {"type": "integer"}, "public_id": {"type": "string"}, "credential_id": {"type": "string"}, "share_url": {"type": "string", "format": "uri"}, "api_url": {"type": "string", "format": "uri", "description": "GET it with the API key for the credential itself"}}}},
            "warning_count": {"type": "integer"},
            "warnings": {"type": "array", "description": "At most 1,000; pointers into the request (/awards/{i}/… or /records/{i}/…)", "items": {"type": "object"}},
        },
    },
    "Credential": {
        "type": "object", "required": ["public_id", "credential_id", "institution", "format", "issued_at", "credential", "share_url", "json_url", "jwt_url", "qr_svg_url", "qr_png_url", "badge_png_url", "badge_svg_url"],
        "properties": {
            "public_id": {"type": "string", "description": "128 random bits, base64url"},
            "credential_id": {"type": "string", "examples": ["urn:uuid:…"]},
            "institution": {"type": "string"},
            "achievement_id": {"type": ["string", "null"]},
            "format": ref("Format"),
            "issued_at": {"type": "string", "format": "date-time"},
            "credential": {"description": "The OB 3.0 credential: JSON with a Data Integrity proof (ldp) or the compact VC-JWT (jwt)", "oneOf": [{"type": "object"}, {"type": "string"}]},
            "share_url": {"type": "string", "format": "uri"}, "json_url": {"type": "string", "format": "uri"},
            "jwt_url": {"type": "string", "format": "uri"}, "qr_svg_url": {"type": "string", "format": "uri"},
            "qr_png_url": {"type": "string", "format": "uri"},
            "badge_png_url": {"type": "string", "format": "uri", "description": "The baked badge: PNG with the credential in an iTXt chunk openbadgecredential (?format=jwt for the VC-JWT)"},
            "badge_svg_url": {"type": "string", "format": "uri", "description": "The baked badge: SVG with an openbadges:credential element (?format=jwt for the VC-JWT)"},
            "warnings": {"type": "array", "items": ref("Violation")},
        },
    },
    "Achievement": {
        "type": "object", "required": ["id", "institution", "created_at", "microcredential"],
        "properties": {"id": {"type": "string"}, "institution": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}, "microcredential": {"type": "object"}},
    },
    "AchievementList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Achievement")}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
    "VerificationReport": {
        "type": "object", "required": ["valid", "format", "issuer", "checks", "errors", "warnings"],
        "properties": {
            "valid": {"type": "boolean"}, "format": {"type": "string", "enum": ["ldp", "jwt", "unknown"]}, "issuer": {"type": ["string", "null"]},
            "checks": {"type": "object", "additionalProperties": {"type": "string", "enum": ["passed", "failed", "skipped"]}},
            "errors": {"type": "array", "items": ref("VerifyError")}, "warnings": {"type": "array", "items": ref("VerifyError")},
        },
    },
    "VerifyError": {"type": "object", "required": ["check", "code", "message"], "properties": {"check": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}, "path": {"type": "string"}}},
    "NewInstitution": {"type": "object", "required": ["slug", "institution_id"], "properties": {"slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"}, "institution_id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string", "format": "uri"}}},
    "Institution": {"type": "object", "required": ["slug", "did", "name", "url"], "properties": {"slug": {"type": "string"}, "institution_id": {"type": ["string", "null"]}, "name": {"type": "string"}, "url": {"type": "string"}, "did": {"type": "string"}, "created_at": {"type": "string"}, "profile_url": {"type": "string"}, "did_document_url": {"type": "string"}}},
    "InstitutionList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Institution")}}},
    "Key": {"type": "object", "required": ["kid", "status", "created_at", "public_key_jwk"], "properties": {"kid": {"type": "string"}, "status": {"type": "string", "enum": ["active", "retired"]}, "created_at": {"type": "string"}, "retired_at": {"type": ["string", "null"]}, "public_key_jwk": {"type": "object"}}},
    "KeyList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Key")}}},
    "NewApiKey": {"type": "object", "properties": {"label": {"type": "string"}}},
    "StatusChangeRequest": {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000, "description": "Required to revoke or suspend; kept in the audit log, not shown publicly"}}},
    "StatusChanged": {"type": "object", "required": ["public_id", "status"], "properties": {"public_id": {"type": "string"}, "status": {"type": "string", "enum": ["active", "suspended", "revoked"]}, "status_changed_at": {"type": ["string", "null"]}}},
    "BulkRevocation": {"type": "object", "required": ["reason"], "properties": {
        "public_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 100000},
        "achievement_id": {"type": "string"}, "issued_from": {"type": "string", "format": "date"}, "issued_until": {"type": "string", "format": "date"},
        "reason": {"type": "string"}}, "description": "Either public_ids, or achievement_id with an optional issue-date range. One transaction: all or nothing."},
    "BulkRevoked": {"type": "object", "required": ["revoked", "already_revoked"], "properties": {"revoked": {"type": "integer"}, "already_revoked": {"type": "integer"}, "public_ids": {"type": "array", "items": {"type": "string"}}}},
    "AuditEntry": {"type": "object", "required": ["id", "slug", "actor", "action", "public_id", "at"], "properties": {"id": {"type": "integer"}, "slug": {"type": "string"}, "actor": {"type": "string"}, "action": {"type": "string", "enum": ["revoke", "suspend", "reinstate", "api-key-revoked", "key-compromised"]}, "public_id": {"type": "string", "description": "The credential's public id; for api-key-revoked, the API key's id; for key-compromised, the key id"}, "reason": {"type": ["string", "null"]}, "at": {"type": "string", "format": "date-time"}}},
    "ApiKeyListing": {"type": "object", "additionalProperties": False, "description": "An API key as listed: never its token or the token's hash",
        "required": ["id", "institution", "label", "created_at", "status", "revoked_at", "revoked_by"],
        "properties": {"id": {"type": "string"}, "institution": {"type": ["string", "null"], "description": "null for an admin key"}, "label": {"type": "string"},
                       "created_at": {"type": "string", "format": "date-time"}, "status": {"type": "string", "enum": ["active", "revoked"]},
                       "revoked_at": {"type": ["string", "null"], "format": "date-time"}, "revoked_by": {"type": ["string", "null"], "description": "The admin API key id that revoked it, or cli"}}},
    "ApiKeyList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("ApiKeyListing")}}},
    "AuditLog": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("AuditEntry")}}},
    "Offer": {"type": "object", "required": ["offer_id", "credential_offer", "credential_offer_uri", "claim_url", "qr_svg_url", "expires_at"], "properties": {
        "offer_id": {"type": "string"}, "credential_offer": {"type": "object"},
        "credential_offer_uri": {"type": "string", "description": "openid-credential-offer://?credential_offer_uri=…"},
        "claim_url": {"type": "string", "format": "uri"}, "qr_svg_url": {"type": "string", "format": "uri"},
        "tx_code": {"type": ["string", "null"], "description": "6-digit PIN to deliver out of band; shown once"},
        "expires_at": {"type": "string", "format": "date-time"}}},
    "OAuthError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}},
    "ApiKey": {"type": "object", "required": ["id", "institution", "api_key"], "properties": {"id": {"type": "string"}, "institution": {"type": "string"}, "label": {"type": "string"}, "created_at": {"type": "string"}, "api_key": {"type": "string", "description": "Shown once; only its hash is stored"}}},
}

slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
pid = {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
badge_format = {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["ldp", "json", "jwt"], "default": "ldp"}, "description": "What is baked in: the JSON credential (ldp, json) or the VC-JWT (jwt)"}

paths = {
    "/api/v1/credentials": {"post": {
        "summary": "Issue a credential", "security": AUTH, "operationId": "issueCredential",
        "description": "Validates the record (rules MC-R01..R21), maps it to an OB 3.0 OpenBadgeCredential, checks it against the 1EdTech schema and JSON-LD safe mode, signs it (eddsa-rdfc-2022 and VC-JWT) and stores it before answering.",
        "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255}, "description": "Same key and body give the same credential (200, Idempotent-Replayed: true); same key with another body gives 409."}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [ref("AwardById"), ref("Record")]}}}},
        "responses": {"201": ok("Issued", "Credential"), "200": ok("Replayed (same Idempotency-Key and body)", "Credential"), "400": problem("Malformed JSON"), "404": problem("Unknown achievement_id"), "409": problem("Idempotency-Key reused with another body"), "413": problem("Body too large"), "415": problem("Not JSON"), "422": problem("Rule violations, each with a JSON Pointer", "ValidationProblem"), **COMMON, "403": problem(ISSUE_FORBIDDEN)}}},
    "/api/v1/credentials/batch": {"post": {
        "summary": "Issue many credentials in one request (all or nothing)", "security": AUTH, "operationId": "issueBatch",
        "description": "Every award is validated first; one violation anywhere refuses the whole batch (422, every violation with its pointer, at most 1,000 listed) and nothing is issued. Then all are signed on every core and stored chunk by chunk; if storing fails half-way the stored ones are removed again. Up to server.max_batch_awards awards (100,000) and server.max_batch_bytes (256 MiB); its own timeout (server.batch_timeout_secs). One batch runs at a time; others wait.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("BatchRequest")}}},
        "responses": {"201": ok("Issued, in request order", "BatchIssued"), "400": problem("Malformed body, both or neither of awards/records, empty or too many awards"), "404": problem("Unknown achievement_id"), "408": problem("Took longer than server.batch_timeout_secs (nothing kept)"), "413": problem("Body larger than server.max_batch_bytes"), "415": problem("Not JSON"), "422": problem("Rule violations, each with a JSON Pointer into the request", "ValidationProblem"), **COMMON, "403": problem(ISSUE_FORBIDDEN)}}},
    "/api/v1/credentials/{public_id}": {"get": {"summary": "One of the caller's credentials", "security": AUTH, "parameters": [pid], "responses": {"200": ok("The credential", "Credential"), "404": problem("Unknown"), **COMMON}}},
    "/api/v1/credentials/{public_id}/revoke": {"post": {"summary": "Revoke (final)", "security": AUTH, "parameters": [pid], "requestBody": {"required": True, "content": {"application/json": {"schema": ref("StatusChangeRequest")}}}, "responses": {"200": ok("Revoked", "StatusChanged"), "400": problem("No reason"), "404": problem("Unknown"), "409": problem("Already revoked, or the credential has no status entry of this service (nothing a verifier could see would change)"), **COMMON}}},
    "/api/v1/credentials/{public_id}/suspend": {"post": {"summary": "Suspend (needs a suspension entry: status.suspension)", "security": AUTH, "parameters": [pid], "requestBody": {"required": True, "content": {"application/json": {"schema": ref("StatusChangeRequest")}}}, "responses": {"200": ok("Suspended", "StatusChanged"), "400": problem("No reason"), "404": problem("Unknown"), "409": problem("Revoked, already suspended, or not suspendable"), **COMMON}}},
    "/api/v1/credentials/{public_id}/reinstate": {"post": {"summary": "Lift a suspension", "security": AUTH, "parameters": [pid], "requestBody": {"content": {"application/json": {"schema": ref("StatusChangeRequest")}}}, "responses": {"200": ok("Active again", "StatusChanged"), "404": problem("Unknown"), "409": problem("Not suspended (revocation is final)"), **COMMON}}},
    "/api/v1/revocations": {"post": {"summary": "Bulk revoke in one transaction", "security": AUTH, "requestBody": {"required": True, "content": {"application/json": {"schema": ref("BulkRevocation")}}}, "responses": {"200": ok("Revoked", "BulkRevoked"), "400": problem("Bad selector or no reason"), "404": problem("An unknown id (nothing was revoked)"), **COMMON}}},
    "/api/v1/audit-log": {"get": {"summary": "Status changes of the caller's institution, newest first (append-only)", "security": AUTH, "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}, {"name": "offset", "in": "query", "schema": {"type": "integer"}}], "responses": {"200": ok("Entries", "AuditLog"), **COMMON}}},
    "/api/v1/offers": {"post": {"summary": "OpenID4VCI credential offer for an award (pre-authorized code; optional PIN)", "security": AUTH,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [ref("AwardById"), ref("Record")], "description": "As for issuance, plus tx_code (boolean, default true)"}}}},
        "responses": {"201": ok("The offer", "Offer"), "400": problem("Malformed"), "404": problem("Unknown achievement_id"), "422": problem("Rule violations", "ValidationProblem"), **COMMON, "403": problem(ISSUE_FORBIDDEN)}}},
    "/api/v1/achievements": {
        "post": {"summary": "Register a microcredential definition", "security": AUTH, "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["microcredential"], "properties": {"microcredential": {"type": "object"}}}}}},
                 "responses": {"201": ok("Registered", "Achievement"), "400": problem("Malformed JSON"), "422": problem("Rule violations", "ValidationProblem"), **COMMON}},
        "get": {"summary": "List definitions", "security": AUTH, "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
                "responses": {"200": ok("Definitions, newest first", "AchievementList"), **COMMON}}},
    "/api/v1/achievements/{id}": {"get": {"summary": "One definition", "security": AUTH, "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": {"200": ok("The definition", "Achievement"), "404": problem("Unknown"), **COMMON}}},
    "/api/v1/verify": {"post": {"summary": "Verify a credential (public)", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}, "application/ld+json": {"schema": {"type": "object"}}, "application/vc+ld+json": {"schema": {"type": "object"}}, "application/jwt": {"schema": {"type": "string"}}, "image/png": {"schema": {"type": "string", "format": "binary"}, "description": "A baked badge: its first credential (iTXt chunk openbadgecredential) is verified"}, "image/svg+xml": {"schema": {"type": "string"}, "description": "A baked badge: its first openbadges:credential element is verified"}}},
        "responses": {"200": ok("The report (valid or not)", "VerificationReport"), "400": problem("Not JSON, or an image without a baked credential"), "413": problem("Too large"), "415": problem("Unsupported media type")}}},
    "/api/v1/institutions": {
        "post": {"summary": "Create an institution (admin)", "security": AUTH, "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewInstitution")}}}, "responses": {"201": ok("Created with its first key", "Institution"), "400": problem("Bad slug or institution id"), "409": problem("Exists"), **COMMON}},
        "get": {"summary": "List institutions (admin)", "security": AUTH, "responses": {"200": ok("Institutions", "InstitutionList"), **COMMON}}},
    "/api/v1/institutions/{slug}/keys": {"get": {"summary": "Public keys and their status (admin)", "security": AUTH, "parameters": [slug], "responses": {"200": ok("Keys", "KeyList"), **COMMON}}},
    "/api/v1/institutions/{slug}/keys/rotate": {"post": {"summary": "Rotate the signing key (admin); old keys stay in the DID document", "security": AUTH, "parameters": [slug], "responses": {"201": ok("The new key", "Key"), "404": problem("Unknown institution"), **COMMON}}},
    "/api/v1/institutions/{slug}/api-keys": {
        "post": {"summary": "Create an API key for the institution (admin); shown once", "security": AUTH, "parameters": [slug], "requestBody": {"content": {"application/json": {"schema": ref("NewApiKey")}}}, "responses": {"201": ok("The key", "ApiKey"), "404": problem("Unknown institution"), **COMMON}},
        "get": {"summary": "List the institution's API keys (admin): ids, labels, dates and status, revoked keys included; never a token or its hash", "security": AUTH, "parameters": [slug], "responses": {"200": ok("The keys, oldest first", "ApiKeyList"), "404": problem("Unknown institution"), **COMMON}}},
    "/api/v1/institutions/{slug}/api-keys/{key_id}": {"delete": {
        "summary": "Revoke an API key (admin), at once: its next request gets 401, on every node. Recorded on the key (revoked_at, revoked_by) and in the institution's audit log (action api-key-revoked)",
        "security": AUTH, "parameters": [slug, {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "The key's id (key_…)"}],
        "responses": {"200": ok("The revoked key", "ApiKeyListing"), "404": problem("No such key of this institution"), "409": problem("Already revoked"), **COMMON}}},
    "/credentials/{public_id}": {"get": {"summary": "Share URL: verification page or the credential, by content negotiation", "security": [], "parameters": [pid],
        "responses": {"200": {"description": "text/html: the verification page; application/ld+json, application/vc+ld+json, application/json: the credential; application/jwt: the VC-JWT",
                              "content": {"text/html": {}, "application/ld+json": {"schema": {"type": "object"}}, "application/vc+ld+json": {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}, "application/jwt": {"schema": {"type": "string"}}}},
                      "404": problem("Unknown"), "406": problem("No acceptable representation")}}},
    "/credentials/{public_id}/credential.json": {"get": {"summary": "Download the credential (JSON)", "security": [], "parameters": [pid], "responses": {"200": {"description": "JSON", "content": {"application/ld+json": {}}}, "404": problem("Unknown")}}},
    "/credentials/{public_id}/credential.jwt": {"get": {"summary": "Download the VC-JWT", "security": [], "parameters": [pid], "responses": {"200": {"description": "JWT", "content": {"application/jwt": {}}}, "404": problem("Unknown")}}},
    "/credentials/{public_id}/qr.svg": {"get": {"summary": "QR code of the share URL (SVG)", "security": [], "parameters": [pid], "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}}, "404": problem("Unknown")}}},
    "/credentials/{public_id}/qr.png": {"get": {"summary": "QR code of the share URL (PNG)", "security": [], "parameters": [pid], "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": problem("Unknown")}}},
    "/credentials/{public_id}/badge.png": {"get": {"summary": "Baked badge (PNG): the badge image with the credential in an uncompressed iTXt chunk openbadgecredential (Open Badges 3.0 Baked Badge)", "security": [], "parameters": [pid, badge_format], "responses": {"200": {"description": "PNG, 512x512", "content": {"image/png": {}}}, "400": problem("Unknown format"), "404": problem("Unknown")}}},
    "/credentials/{public_id}/badge.svg": {"get": {"summary": "Baked badge (SVG): the badge image with an openbadges:credential element right after <svg> (JSON in CDATA, or the JWS in a verify attribute)", "security": [], "parameters": [pid, badge_format], "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}}, "400": problem("Unknown format"), "404": problem("Unknown")}}},
    "/issuers/{slug}": {"get": {"summary": "OB 3.0 Profile of an institution", "security": [], "parameters": [slug], "responses": {"200": {"description": "Profile", "content": {"application/ld+json": {"schema": {"type": "object"}}}}, "404": problem("Unknown")}}},
    "/issuers/{slug}/did.json": {"get": {"summary": "did:web DID document (every key, retired ones included)", "security": [], "parameters": [slug], "responses": {"200": {"description": "DID document", "content": {"application/did+json": {"schema": {"type": "object"}}}}, "404": problem("Unknown")}}},
    "/issuers/{slug}/status/{purpose}/{list_no}": {"get": {"summary": "Signed BitstringStatusListCredential (revocation or suspension)", "security": [], "parameters": [slug, {"name": "purpose", "in": "path", "required": True, "schema": {"type": "string", "enum": ["revocation", "suspension"]}}, {"name": "list_no", "in": "path", "required": True, "schema": {"type": "integer"}}, {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The list (Cache-Control, ETag)", "content": {"application/vc+ld+json": {"schema": {"type": "object"}}}}, "304": {"description": "Not modified"}, "404": problem("Unknown list")}}},
    "/microcred/contexts/v1.jsonld": {"get": {"summary": "The extension JSON-LD context", "security": [], "responses": {"200": {"description": "Context", "content": {"application/ld+json": {}}}}}},
    "/microcred/contexts/trust-v1.jsonld": {"get": {"summary": "The issuer trust list JSON-LD context", "security": [], "responses": {"200": {"description": "Context", "content": {"application/ld+json": {}}}}}},
    "/microcred/schemas/v1.json": {"get": {"summary": "The extension JSON Schema", "security": [], "responses": {"200": {"description": "Schema", "content": {"application/schema+json": {}}}}}},
    "/.well-known/openid-credential-issuer": {"get": {"summary": "OpenID4VCI credential issuer metadata", "security": [], "responses": {"200": {"description": "Metadata", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/.well-known/oauth-authorization-server": {"get": {"summary": "OAuth authorization server metadata", "security": [], "responses": {"200": {"description": "Metadata", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/oid4vci/offers/{id}": {"get": {"summary": "Credential offer (by reference)", "security": [], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": {"200": {"description": "Offer", "content": {"application/json": {"schema": {"type": "object"}}}}, "404": problem("Unknown or expired")}}},
    "/oid4vci/token": {"post": {"summary": "Token endpoint (pre-authorized code grant)", "security": [], "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["grant_type", "pre-authorized_code"], "properties": {"grant_type": {"type": "string"}, "pre-authorized_code": {"type": "string"}, "tx_code": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Access token", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": OAUTH}}},
    "/oid4vci/nonce": {"post": {"summary": "Nonce endpoint", "security": [], "responses": {"200": {"description": "c_nonce", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/oid4vci/credential": {"post": {"summary": "Credential endpoint (Bearer access token, key proof)", "security": [], "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "{credentials: [{credential}]}", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": OAUTH, "401": OAUTH}}},
    "/claim/{id}": {"get": {"summary": "Learner's claim page with the offer's QR code (HTML)", "security": [], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": {"200": {"description": "Page", "content": {"text/html": {}}}, "404": problem("Unknown")}}},
    "/credentials/issue": {"post": {"summary": "VC-API: issue a caller's VC 2.0 credential (institution key)", "security": AUTH, "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["credential"], "properties": {"credential": {"type": "object"}, "options": {"type": "object"}}}}}},
        "responses": {"201": {"description": "{verifiableCredential}", "content": {"application/json": {"schema": {"type": "object", "required": ["verifiableCredential"]}}}}, "400": problem("Invalid credential, undefined term, wrong issuer"), "409": problem("This institution already issued a credential with this id (ids are per institution)"), "422": problem("Microcredential rule violations", "ValidationProblem"), **COMMON,
                      "403": problem("The key may not do this; the credential names another institution (the issuer's or achievement creator's name or url, or the microcredential's institution), and the detail names the field: an institution issues only as itself""; or the demo institution, which stops issuing once a real institution exists (demo.keep_issuing)")}}},
    "/credentials/status": {"post": {"summary": "VC-API: update a credential's status (institution key)", "security": AUTH, "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["credentialId", "credentialStatus", "status"]}}}}, "responses": {"200": {"description": "Updated"}, "400": problem("Bad request"), "404": problem("Unknown credential (of this institution)"), "409": problem("Already in that state, or the credential has no status entry of this service (options.credentialStatus false, or a caller-supplied credentialStatus)"), **COMMON}}},
    "/credentials/verify": {"post": {"summary": "VC-API: verify a credential (public)", "security": [], "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["verifiableCredential"], "properties": {"verifiableCredential": {}, "options": {"type": "object"}}}}}},
        "responses": {"200": {"description": "Verified: {verified: true, checks, warnings, errors}", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"description": "Not verified ({verified: false, …}) or malformed input"}}}},
    "/healthz": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "Up"}}}},
    "/readyz": {"get": {"summary": "Readiness (database reachable)", "security": [], "responses": {"200": {"description": "Ready"}, "503": problem("Database unreachable")}}},
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "microcred issuer API", "version": "1.0.0",
             "description": "Issues Flemish higher-education microcredentials as signed Open Badges 3.0 credentials. Errors are RFC 9457 problem+json; validation failures list every rule violation with a JSON Pointer."},
    "servers": [{"url": "/"}],
    "security": AUTH,
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "API key from `microcred apikeys create` (institution-scoped or admin)"}}},
}
with open(os.path.join(ROOT, "src/http/openapi.json"), "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
print("wrote src/http/openapi.json")
