"""Privacy (seed §2.3.7, §2.4.7-2.4.9): PII kept apart, erasure, export, retention.

- `tokens`: keyed, irreversible tokens of customer ids (HMAC-SHA256).
- `pii`: what PII looks like, masking, the support view.
- `admission`: what data preparation calls (suppression of erased customers, PII).
- `forget` / `export`: the data subject's rights to erasure and to know.
- `retention`: expiry of old run artefacts.
- `hooks`: stores outside the lake's tables (cache, audit trail, knowledge base) plug in.
- `sql_access`: the `--privileged` gate of `engage sql` on the restricted schema, and its audit.
"""
